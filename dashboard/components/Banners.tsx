// Plain statements of trouble, above everything else: the page lost its
// member, the member went silent, the cluster has no leader, the member is
// cut off, members are unreachable.

import { duration } from "../lib/format.ts";
import { now } from "../state/clock.ts";
import { cutOff, lastHeard, link, status } from "../state/cluster.ts";

export function Banners() {
  const s = status.value;
  const l = link.value;
  const items = [];
  const silentFor = lastHeard.value ? duration(now.value - lastHeard.value) : "";
  const name = s?.self.name || "the member";

  if (l === "lost") {
    items.push(
      <div class="banner danger" key="lost" role="alert" data-test="banner-lost">
        <strong>Lost connection to {name}.</strong> Reconnecting automatically
        {lastHeard.value ? `; what you see is from ${silentFor} ago` : ""}.
      </div>,
    );
  } else if (l === "stale") {
    items.push(
      <div class="banner warn" key="stale" role="alert">
        <strong>{name} has sent nothing for {silentFor}.</strong> It may be overloaded or stopped; waiting for it.
      </div>,
    );
  } else if (l === "connecting" && !s) {
    items.push(<div class="banner info" key="conn">Connecting to the member…</div>);
  }

  if (s && l !== "lost") {
    if (cutOff.value) {
      items.push(
        <div class="banner danger" key="cut" role="alert" data-test="banner-cutoff">
          <strong>{name} is cut off:</strong> it cannot reach any other member. What it shows may be out of date, and it cannot serve writes.
        </div>,
      );
    }
    if (!s.leaderId) {
      items.push(
        <div class="banner danger" key="noleader" role="alert" data-test="banner-noleader">
          <strong>No leader.</strong> {name} knows of no leader at term {s.term}; writes and consistent reads wait or fail until an election succeeds.
        </div>,
      );
    }
    const down = s.members.filter((m) => m.state === "unreachable");
    if (down.length > 0 && !cutOff.value) {
      items.push(
        <div class="banner warn" key="down" role="status">
          <strong>{down.length} of {s.members.length} members unreachable</strong> from {name}: {down.map((m) => m.name || m.id).join(", ")}.
        </div>,
      );
    }
  }
  return items.length ? <div class="banners">{items}</div> : null;
}
