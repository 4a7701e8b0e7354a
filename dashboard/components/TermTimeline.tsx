// Leader terms on a time line: one colored stretch per term, gaps where
// there was no leader. Elections and flapping show as many short stretches.

import { useState } from "preact/hooks";
import type { TermSpan } from "../../shared/dashboard.ts";
import { memberColor } from "../lib/colors.ts";
import { clockTime, dateTime, duration } from "../lib/format.ts";
import { now, serverNow } from "../state/clock.ts";
import { status, terms } from "../state/cluster.ts";

const WINDOWS = [
  { label: "5 min", ms: 5 * 60_000 },
  { label: "1 h", ms: 3_600_000 },
  { label: "24 h", ms: 86_400_000 },
  { label: "All", ms: 0 },
];

/** This many elections within five minutes is flapping. */
const FLAPPING = 3;
const TABLE_ROWS = 6;

export function TermTimeline() {
  const [windowMs, setWindowMs] = useState(0);
  const [allRows, setAllRows] = useState(false);
  const s = status.value;
  const ts = terms.value;
  if (!s) return null;
  const end = serverNow(now.value);
  const first = Math.min(s.startedAt, ts[0]?.startedAt ?? end);
  const start = windowMs ? end - windowMs : first;
  const span = Math.max(1, end - start);
  const ids = s.members.map((m) => m.id);
  const nameOf = (t: TermSpan) => t.leaderName || s.members.find((m) => m.id === t.leaderId)?.name || t.leaderId;
  const visible = ts.filter((t) => (t.endedAt ?? end) > start);
  const recentElections = ts.filter((t) => t.startedAt > end - 5 * 60_000).length;
  const current = ts[ts.length - 1];
  const running = current && current.endedAt === undefined ? current : null;
  const leaders = [...new Map(visible.map((t) => [t.leaderId, nameOf(t)])).entries()];
  const rows = [...ts].reverse();
  const gaps = leaderless(ts, Math.max(start, s.startedAt), end);
  const pct = (t: number) => `${((t - start) / span) * 100}%`;

  return (
    <section class="panel" aria-labelledby="terms-h">
      <div class="panel-head">
        <h2 id="terms-h">Leader terms</h2>
        <div class="seg" role="group" aria-label="Time window">
          {WINDOWS.map((w) => (
            <button key={w.label} type="button" class={windowMs === w.ms ? "on" : ""} aria-pressed={windowMs === w.ms} onClick={() => setWindowMs(w.ms)}>
              {w.label}
            </button>
          ))}
        </div>
      </div>
      <p class="summary" data-test="term-summary">
        {running
          ? <>
            <strong>{nameOf(running)}</strong> has led term {running.term} for {duration(end - running.startedAt)}.
          </>
          : <strong class="bad-text">No leader right now.</strong>}{" "}
        {recentElections >= FLAPPING
          ? <span class="chip warn">Flapping: {recentElections} leader changes in 5 minutes</span>
          : <span class="muted">{visible.length} {visible.length === 1 ? "term" : "terms"} in view.</span>}
      </p>
      <div class="timeline" role="img" aria-label={`Timeline of ${visible.length} leader terms`} data-test="timeline">
        {s.startedAt > start && (
          <div class="seg-unknown" style={{ left: "0%", width: pct(s.startedAt) }} title="Before this member started: not known here" />
        )}
        {gaps.map(([a, b]) => (
          <div
            key={`gap-${a}`}
            class="seg-gap"
            style={{ left: pct(a), width: `max(2px, ${((b - a) / span) * 100}%)` }}
            title={`No leader from ${clockTime(a)} for ${duration(b - a)}`}
          />
        ))}
        {visible.map((t) => {
          const a = Math.max(t.startedAt, start);
          const b = t.endedAt ?? end;
          const left = ((a - start) / span) * 100;
          const width = ((b - a) / span) * 100;
          return (
            <div
              key={`${t.term}-${t.startedAt}`}
              class={`seg-term ${t.endedAt === undefined ? "running" : ""}`}
              style={{ left: `${left}%`, width: `max(3px, ${width}%)`, background: memberColor(t.leaderId, ids) }}
              title={`Term ${t.term}: ${nameOf(t)} from ${dateTime(t.startedAt)}, ${t.endedAt ? `lasted ${duration(t.endedAt - t.startedAt)}` : "still running"}`}
            >
              {width > 7 && <span>t{t.term} · {nameOf(t)}</span>}
            </div>
          );
        })}
      </div>
      <div class="axis" aria-hidden="true">
        {[0, 0.25, 0.5, 0.75, 1].map((f) => (
          <span key={f} style={{ left: `${f * 100}%` }}>
            {f === 1 ? "now" : span > 86_400_000 ? dateTime(start + f * span).slice(5, 16) : clockTime(start + f * span)}
          </span>
        ))}
      </div>
      <div class="legend">
        {leaders.map(([id, name]) => (
          <span key={id}>
            <span class="swatch" style={{ background: memberColor(id, ids) }} />
            {name}
          </span>
        ))}
        <span>
          <span class="swatch none" />
          no leader
        </span>
        {s.startedAt > start && (
          <span>
            <span class="swatch unknown" />
            before {s.self.name || "this member"} started
          </span>
        )}
      </div>
      {rows.length > 0 && (
        <table class="terms" data-test="terms-table">
          <thead>
            <tr>
              <th class="num">Term</th>
              <th>Leader</th>
              <th>Began</th>
              <th>Lasted</th>
            </tr>
          </thead>
          <tbody>
            {(allRows ? rows : rows.slice(0, TABLE_ROWS)).map((t) => (
              <tr key={`${t.term}-${t.startedAt}`}>
                <td class="num">{t.term}</td>
                <td>
                  <span class="swatch" style={{ background: memberColor(t.leaderId, ids) }} />
                  {nameOf(t)}
                </td>
                <td title={dateTime(t.startedAt)}>{clockTime(t.startedAt)}</td>
                <td>{t.endedAt === undefined ? <span class="good-text">running · {duration(end - t.startedAt)}</span> : duration(t.endedAt - t.startedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rows.length > TABLE_ROWS && (
        <button type="button" class="link-btn" onClick={() => setAllRows(!allRows)}>
          {allRows ? "Show fewer" : `Show all ${rows.length} terms`}
        </button>
      )}
    </section>
  );
}

/** Stretches of [from, to] that no term covers: times without a leader. */
function leaderless(ts: TermSpan[], from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  let cursor = from;
  for (const t of ts) {
    const b = t.endedAt ?? to;
    if (b <= cursor) continue;
    if (t.startedAt > cursor) out.push([cursor, Math.min(t.startedAt, to)]);
    cursor = Math.max(cursor, b);
  }
  if (cursor < to - 500) out.push([cursor, to]);
  return out.filter(([a, b]) => b > a);
}
