// Watch a key or a whole prefix and see each event as it happens: action,
// index, key, the new value and the one it replaced.

import { useState } from "preact/hooks";
import type { V2Event } from "../../shared/api.ts";
import { clockTime, count } from "../lib/format.ts";
import { navigate, routeHash } from "../state/route.ts";
import { active, clearEvents, type Entry, entries, form, startWatch, stopWatch, total, watchStatus } from "../state/watch_panel.ts";
import { Radio } from "./icons.tsx";

const PAGE = 200;

const STATE_TEXT = { connecting: "Connecting", live: "Live", retrying: "Reconnecting", failed: "Failed", stopped: "Stopped" } as const;

export function WatchView() {
  const [shown, setShown] = useState(PAGE);
  const a = active.value;
  const st = watchStatus.value;
  const list = entries.value;
  return (
    <div class="watch-view" data-test="watch-view">
      <section class="panel">
        <form
          class="watch-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (a) stopWatch();
            else startWatch();
          }}
        >
          <label class="field grow">
            <span>Key or prefix</span>
            <input
              class="mono"
              name="watch-path"
              value={form.path.value}
              onInput={(e) => (form.path.value = e.currentTarget.value)}
              disabled={!!a}
              spellcheck={false}
              autoComplete="off"
            />
          </label>
          <label class="field short">
            <span>From index</span>
            <input
              name="from-index"
              inputMode="numeric"
              placeholder="now"
              value={form.fromIndex.value}
              onInput={(e) => (form.fromIndex.value = e.currentTarget.value)}
              disabled={!!a}
            />
          </label>
          <label class="check">
            <input type="checkbox" checked={form.recursive.value} onChange={(e) => (form.recursive.value = e.currentTarget.checked)} disabled={!!a} />
            everything below (recursive)
          </label>
          <div class="watch-buttons">
            <button type="submit" class={`btn ${a ? "" : "primary"}`} data-test="watch-toggle">
              <Radio /> {a ? "Stop" : "Start watching"}
            </button>
            <button type="button" class="btn" onClick={clearEvents} disabled={list.length === 0}>Clear</button>
          </div>
        </form>
        <p class="watch-status" role="status" data-test="watch-status">
          <span class={`live live-${a ? st.state : "stopped"}`}>
            <span class="dot" aria-hidden="true" />
            {a ? STATE_TEXT[st.state] : "Not watching"}
          </span>
          {a && (
            <span>
              {" "}
              <code>{a.path}</code>
              {a.recursive ? " and everything below it" : ""}, since {clockTime(a.since)}
              {a.fromIndex ? ` (from index ${a.fromIndex})` : ""}
              {st.state === "retrying" && st.message ? ` — ${st.message}` : ""}
              {st.state === "failed" && st.message ? ` — ${st.message}` : ""}
            </span>
          )}
          <span class="spacer" />
          <span class="muted">{count(total.value)} events</span>
        </p>
      </section>
      <section class="panel events-panel" aria-label="Events">
        {list.length === 0
          ? (
            <p class="muted empty">
              {a ? <>No events yet. Change something {a.recursive ? "under" : "at"} <code>{a.path}</code> and it shows up here.</> : "Start a watch to see events here as they happen."}
            </p>
          )
          : (
            <div class="events" data-test="events">
              <div class="event head" aria-hidden="true">
                <span>Time</span>
                <span>Action</span>
                <span class="num">Index</span>
                <span>Key</span>
                <span>Value</span>
                <span>Previous</span>
              </div>
              {list.slice(0, shown).map((e) => <EventRow key={e.seq} entry={e} />)}
            </div>
          )}
        {list.length > shown && (
          <button type="button" class="link-btn" onClick={() => setShown(shown + PAGE)}>
            Show {Math.min(PAGE, list.length - shown)} older events
          </button>
        )}
      </section>
    </div>
  );
}

function EventRow({ entry }: { entry: Entry }) {
  const [open, setOpen] = useState(false);
  if ("gap" in entry) {
    return (
      <div class="event gap" role="note">
        <span>{clockTime(entry.at)}</span>
        <span class="gap-text">Events were missed here: the member's history no longer reached back far enough. Resumed at index {count(entry.resumeIndex)}.</span>
      </div>
    );
  }
  const e: V2Event = entry.event;
  const key = e.node?.key ?? "";
  const value = e.node?.dir ? "(directory)" : e.node?.value;
  const prev = e.prevNode?.dir ? "(directory)" : e.prevNode?.value;
  return (
    <div class={`event ${open ? "open" : ""}`} data-test="event" onClick={() => setOpen(!open)}>
      <span class="muted">{clockTime(entry.at)}</span>
      <span>
        <span class={`action action-${e.action}`}>{e.action}</span>
      </span>
      <span class="num mono">{e.node?.modifiedIndex ?? ""}</span>
      <span class="mono">
        <a
          href={routeHash({ view: "keys", path: key })}
          onClick={(ev) => {
            ev.preventDefault();
            ev.stopPropagation();
            navigate("keys", key);
          }}
        >
          {key}
        </a>
      </span>
      <span class="mono val" data-label="value">{value ?? <span class="muted">—</span>}</span>
      <span class="mono val prev" data-label="was">{prev ?? <span class="muted">—</span>}</span>
    </div>
  );
}
