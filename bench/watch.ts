// Workload 4: how soon a waiting v2 watcher hears of a write. Each watcher
// is one long poll (GET …?wait=true) on its own keep-alive connection; once
// all are registered (the store's watcher count says so), one PUT is sent,
// and each watcher's latency is the time from the PUT's answer arriving to
// that watcher's answer arriving — negative when a watcher hears before the
// writer does, as ours does (the event goes out within the write's apply) —
// and, comparable whatever the order, the time from the PUT being sent.
//
// One watcher is measured twice on the same member: over its first 1000
// writes, and again after 2000 more. Ours is a JIT: V8 optimises the hot
// path on helper threads during a member's first ~3000 writes (~4 s here),
// and on a 2-core host those threads take the core the loop or the client
// is waiting for (bench/RESULTS.md, sessions 6–8). The first figure is that
// warm-up, for the record; the second is the latency a member that has been
// serving shows, which is what the target compares. Etcd runs the same
// phases (it has nothing to warm).

import type { Member } from "./lib/members.ts";
import { RawConn } from "./lib/raw_http.ts";
import { percentile, type Recorder } from "./lib/stats.ts";

/** One run of writes with a number of watchers waiting; samples = watchers × writes. */
export interface WatchPhase {
  watchers: number;
  writes: number;
  /** Appended to the recorded rows' names; no label: the phase is not recorded (warm-up). */
  label?: string;
}

/** Phases run in order on one fresh member. */
export type WatchPlan = WatchPhase[];

export const DEFAULT_WATCH_PLAN: WatchPlan = [
  { watchers: 1, writes: 1000, label: ", fresh member (its first 1000 writes)" },
  { watchers: 1, writes: 2000 },
  { watchers: 1, writes: 1000, label: " (after 3000 writes)" },
  // 30 writes: with 10, one slow write made the whole p99 (its slowest
  // watchers are a tenth of the samples above it), on both systems.
  { watchers: 1000, writes: 30, label: "" },
];

const KEY = "/v2/keys/bench/watch";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the store's watcher count until it reaches `want` (bounded). */
async function untilWatching(stats: RawConn, want: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const r = await stats.request("GET", "/v2/stats/store");
    if (r.status === 200 && (JSON.parse(r.body) as { watchers: number }).watchers >= want) return;
    await sleep(1);
  }
  throw new Error(`fewer than ${want} watchers registered after ${timeoutMs} ms`);
}

/** Latencies (ms) of every watcher event over `writes` writes with `count` watchers. */
export async function watchLatencies(
  m: Member,
  count: number,
  writes: number,
): Promise<{ fromAnswer: number[]; fromSend: number[]; putMs: number[]; errors: number }> {
  const open = (n: number) => Promise.all(Array.from({ length: n }, () => RawConn.open(m.clientUrl)));
  const watchers: RawConn[] = [];
  // Open in batches: a thousand simultaneous connects can overflow a listen backlog.
  for (let i = 0; i < count; i += 100) watchers.push(...await open(Math.min(100, count - i)));
  const [writer, stats] = await open(2);
  const fromAnswer: number[] = [];
  const fromSend: number[] = [];
  const putMs: number[] = [];
  let errors = 0;
  try {
    // One unmeasured write first, so both systems start warm.
    for (let w = -1; w < writes; w++) {
      const value = `w${w}`;
      const waits = watchers.map((c) => c.request("GET", `${KEY}?wait=true`, undefined, 30_000));
      await untilWatching(stats, count, 30_000);
      const sent = performance.now();
      const put = await writer.request("PUT", KEY, `value=${value}`);
      if (put.status >= 300) throw new Error(`watch write answered ${put.status}`);
      const got = await Promise.all(waits);
      if (w < 0) continue;
      putMs.push(put.at - sent);
      for (const r of got) {
        if (r.status !== 200 || !r.body.includes(`"value":"${value}"`)) errors++;
        else {
          fromAnswer.push(r.at - put.at);
          fromSend.push(r.at - sent);
        }
      }
    }
  } finally {
    for (const c of [...watchers, writer, stats]) c.close();
  }
  return { fromAnswer, fromSend, putMs, errors };
}

/** Runs the plan on one ready member and records p50/p99 of each labelled phase. */
export async function watchWorkload(m: Member, plan: WatchPlan, record: Recorder, log: (s: string) => void): Promise<void> {
  for (const phase of plan) {
    const count = phase.watchers;
    log(`${m.system}: watch, ${count} watcher(s), ${phase.writes} writes${phase.label === undefined ? " (warm-up)" : ""}`);
    const { fromAnswer, fromSend, putMs, errors } = await watchLatencies(m, count, phase.writes);
    if (phase.label === undefined) {
      if (errors > 0) throw new Error(`${errors} watcher answers were wrong during the warm-up`);
      continue;
    }
    const watchers = `${count} watcher${count === 1 ? "" : "s"}${phase.label}`;
    const answer = `4. watch: PUT answer → event, ${watchers}`;
    record(answer, "p50 ms", false, percentile(fromAnswer, 50), errors);
    record(answer, "p99 ms", false, percentile(fromAnswer, 99));
    const send = `4. watch: PUT sent → event, ${watchers}`;
    record(send, "p50 ms", false, percentile(fromSend, 50));
    record(send, "p99 ms", false, percentile(fromSend, 99));
    // The write itself, for scale: a watcher can hear no sooner than the write commits.
    record(`4. watch: the PUT itself (sent → answer), ${watchers}`, "p50 ms", false, percentile(putMs, 50));
  }
}
