// Every member: state, name, ID and URLs. Each client URL links to that
// member's own dashboard, to see the cluster from there.

import type { MemberStatus } from "../../shared/dashboard.ts";
import { memberColor } from "../lib/colors.ts";
import { status } from "../state/cluster.ts";
import { Crown } from "./icons.tsx";

const ORDER: Record<MemberStatus["state"], number> = { leader: 0, candidate: 1, follower: 2, unreachable: 3 };

export function MembersTable() {
  const s = status.value;
  if (!s) return null;
  const ids = s.members.map((m) => m.id);
  const members = [...s.members].sort((a, b) => ORDER[a.state] - ORDER[b.state] || a.name.localeCompare(b.name));
  return (
    <section class="panel" aria-labelledby="members-h">
      <div class="panel-head">
        <h2 id="members-h">Members</h2>
        <span class="muted">as seen from {s.self.name || s.self.id}</span>
      </div>
      <table class="members" data-test="members">
        <thead>
          <tr>
            <th>Name</th>
            <th>State</th>
            <th>ID</th>
            <th>Peer URLs</th>
            <th>Client URLs</th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <tr key={m.id} class={`member state-${m.state}`} data-test="member-row" data-member={m.name}>
              <td data-label="Name">
                <span class="swatch" style={{ background: memberColor(m.id, ids) }} aria-hidden="true" />
                <span class="member-name">{m.name || <em class="muted">not started yet</em>}</span>
                {m.id === s.self.id && <span class="chip small" title="The member serving this page">this page</span>}
              </td>
              <td data-label="State">
                <span class={`pill pill-${m.state}`}>
                  {m.state === "leader" && <Crown size={12} />}
                  {m.state}
                </span>
              </td>
              <td data-label="ID" class="mono">{m.id}</td>
              <td data-label="Peer URLs" class="mono urls">{m.peerURLs.join(", ") || "—"}</td>
              <td data-label="Client URLs" class="mono urls">
                {m.clientURLs.length === 0 ? "—" : m.clientURLs.map((u, i) => (
                  <span key={u}>
                    {i > 0 && ", "}
                    <a href={`${u.replace(/\/$/, "")}/mod/dashboard/`} title={`Open ${m.name || m.id}'s dashboard`}>{u}</a>
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
