// Durability under crashes: a write load on a 3-member cluster of our
// server, kill -9 of every member at once (or of one) at a seeded random
// moment, restart, and check that every acknowledged write is still there
// with its value. Rounds repeat with the load running throughout.
//
//   deno run -A tools/reliability/durability.ts [--seeds 3] [--first-seed 1] [--rounds 5]
//     [--modes all,one,snapshot,single] [--writers 8] [--runtime deno|node] [--ip-base 127.0.68] [--verbose]
//
// Modes: all (kill every member at once), one (kill one random member),
// snapshot (kill every member while they snapshot and trim the log often:
// --snapshot-count 40), single (a one-member cluster: nothing to catch up
// from, its own log is all there is). Exits 1 if any acknowledged write was lost.

import { parseArgs } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agreedLeader, Member, stopAll } from "../../test/helpers/cluster.ts";
import type { Runtime } from "../../test/helpers/server.ts";
import { newestMarker, snapshotFiles } from "../../test/reliability/durability_disk.ts";
import { parseSnapName, snapDir } from "../../server/storage/layout.ts";
import { checkAcked, type Loss, WriteLoad } from "./durability_load.ts";
import { Rng } from "./rng.ts";

export type Mode = "all" | "one" | "snapshot" | "single";

export interface DurabilityOptions {
  seed: number;
  mode: Mode;
  rounds: number;
  writers: number;
  runtime: Runtime;
  /** Members on `${ipBase}.1` to `.3`. */
  ipBase: string;
  /** Load before each kill, uniform in this range (ms). */
  loadMs?: [number, number];
  log?: (line: string) => void;
}

export interface RoundReport {
  killed: string[];
  /** From restarting the killed members to all members agreeing on a leader. */
  leaderMs: number;
  /** From restarting to every acknowledged write read back. */
  verifiedMs: number;
  lost: Loss[];
}

export interface DurabilityReport {
  seed: number;
  mode: Mode;
  acked: number;
  unknown: number;
  failed: number;
  checked: number;
  /** Snapshots the members logged saving (the snapshot mode makes them often). */
  snapshots: number;
  /**
   * Snapshot mode: members whose newest snapshot file was not yet in their
   * log (no marker) when killed: crashes inside the snapshot-to-trim window.
   */
  inSnapshotWindow: number;
  rounds: RoundReport[];
}

const SNAPSHOT_COUNT = "40";

/** `size` members founding one cluster on `${ipBase}.1..`, with fast elections. */
export function durabilityCluster(cwd: string, ipBase: string, runtime: Runtime, extra: string[] = [], size = 3): Member[] {
  const ip = (i: number) => `${ipBase}.${i + 1}`;
  const ids = Array.from({ length: size }, (_, i) => i);
  const initial = ids.map((i) => `d${i}=http://${ip(i)}:2380`).join(",");
  return ids.map((i) =>
    new Member(`d${i}`, [
      "--name", `d${i}`, "--data-dir", `d${i}.etcd`,
      "--listen-peer-urls", `http://${ip(i)}:2380`, "--initial-advertise-peer-urls", `http://${ip(i)}:2380`,
      "--listen-client-urls", `http://${ip(i)}:2379`, "--advertise-client-urls", `http://${ip(i)}:2379`,
      "--initial-cluster", initial, "--heartbeat-interval", "50", "--election-timeout", "500", ...extra,
    ], `http://${ip(i)}:2379`, cwd, runtime)
  );
}

/** Retries `fn` until it succeeds or `timeoutMs` passes (then throws its last error). */
async function retry<T>(timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(200);
    }
  }
}

export async function runDurability(opts: DurabilityOptions): Promise<DurabilityReport> {
  const cwd = mkdtempSync(join(tmpdir(), "durability-"));
  const extra = opts.mode === "snapshot" ? ["--snapshot-count", SNAPSHOT_COUNT] : [];
  const members = durabilityCluster(cwd, opts.ipBase, opts.runtime, extra, opts.mode === "single" ? 1 : 3);
  const rng = new Rng(opts.seed * 7 + ["all", "one", "snapshot", "single"].indexOf(opts.mode));
  const prefix = `dur${opts.seed}${opts.mode}`;
  const load = new WriteLoad({ urls: members.map((m) => m.clientUrl), writers: opts.writers, keysPerWriter: 20, prefix, timeoutMs: 3000, rng: new Rng(opts.seed) });
  const [lo, hi] = opts.loadMs ?? [1000, 3000];
  const rounds: RoundReport[] = [];
  let snapshots = 0;
  let inSnapshotWindow = 0;
  const countSnapshots = (ms: Member[]) => {
    for (const m of ms) snapshots += m.out.split("saved snapshot at index").length - 1;
  };
  try {
    for (const m of members) m.start();
    await Promise.all(members.map((m) => m.healthy(30_000)));
    await agreedLeader(members);
    load.start();
    for (let round = 0; round < opts.rounds; round++) {
      await sleep(rng.between(lo, hi));
      const victims = opts.mode === "one" ? [members[rng.int(members.length)]] : members;
      // Snapshot mode aims for the moment a snapshot file appears: before its
      // marker is in the log and the log is trimmed.
      if (opts.mode === "snapshot") await newSnapshotFile(victims.map((v) => snapDir(join(cwd, `${v.name}.etcd`))), 3000);
      // kill -9 at once: no member gets to notice the others going.
      for (const v of victims) v.proc?.kill("SIGKILL");
      await Promise.all(victims.map((v) => v.kill()));
      countSnapshots(victims);
      if (opts.mode === "snapshot") inSnapshotWindow += victims.filter((v) => snapshotAheadOfLog(join(cwd, `${v.name}.etcd`))).length;
      const t0 = performance.now();
      for (const v of victims) v.start();
      await agreedLeader(members, 30_000);
      const leaderMs = performance.now() - t0;
      // Through each restarted member: quorum reads go via the leader, and
      // a local read shows the member's own recovered state once caught up.
      let lost: Loss[] = [];
      for (const v of victims) {
        lost = (await retry(15_000, () => checkAcked(load, v.clientUrl, prefix))).lost;
        if (lost.length > 0) break;
        if (opts.mode === "one") {
          // A restarted follower may lag: give it a bounded time to catch up.
          lost = await retry(10_000, async () => {
            const r = await checkAcked(load, v.clientUrl, prefix, { quorum: false });
            if (r.lost.length > 0) throw Object.assign(new Error("behind"), { lost: r.lost });
            return r.lost;
          }).catch((err) => (err as { lost?: Loss[] }).lost ?? Promise.reject(err));
        }
      }
      const verifiedMs = performance.now() - t0;
      rounds.push({ killed: victims.map((v) => v.name), leaderMs, verifiedMs, lost });
      opts.log?.(`round ${round + 1}: killed ${victims.map((v) => v.name).join(",")}; leader after ${leaderMs.toFixed(0)} ms, verified after ${verifiedMs.toFixed(0)} ms; acked so far ${load.acked}, lost ${lost.length}`);
      for (const l of lost.slice(0, 10)) opts.log?.(`  LOST ${l.key}: acknowledged ${l.acked}, found ${l.found}`);
    }
    await load.stop();
    countSnapshots(members);
    // A final check once nothing is in flight.
    const final = await retry(15_000, () => checkAcked(load, members[0].clientUrl, prefix));
    if (final.lost.length > 0) rounds.push({ killed: [], leaderMs: 0, verifiedMs: 0, lost: final.lost });
    return { seed: opts.seed, mode: opts.mode, acked: load.acked, unknown: load.unknown, failed: load.failed, checked: final.checked, snapshots, inSnapshotWindow, rounds };
  } catch (err) {
    const logs = members.map((m) => `--- ${m.name}\n${m.out.split("\n").slice(-15).join("\n")}`).join("\n");
    throw new Error(`${(err as Error).message}\n${logs}`);
  } finally {
    await load.stop();
    await stopAll(members);
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** Resolves when a new .snap file shows up in one of `dirs` (true), or after timeoutMs (false). */
async function newSnapshotFile(dirs: string[], timeoutMs: number): Promise<boolean> {
  const watcher = Deno.watchFs(dirs, { recursive: false });
  const timer = setTimeout(() => watcher.close(), timeoutMs);
  try {
    for await (const ev of watcher) {
      if (ev.paths.some((p) => p.endsWith(".snap"))) return true;
    }
    return false;
  } finally {
    clearTimeout(timer);
    try {
      watcher.close();
    } catch { /* closed by the timer */ }
  }
}

/** Whether the member's newest snapshot file is newer than the newest snapshot its log records. */
function snapshotAheadOfLog(dataDir: string): boolean {
  const files = snapshotFiles(dataDir).map((n) => parseSnapName(n)?.index ?? 0);
  const newest = files.length > 0 ? Math.max(...files) : 0;
  return newest > (newestMarker(dataDir)?.index ?? 0);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function stats(xs: number[]): string {
  if (xs.length === 0) return "-";
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(0);
  return `median ${at(0.5)} ms, max ${at(1)} ms`;
}

export function formatDurability(r: DurabilityReport): string {
  const lost = r.rounds.reduce((n, x) => n + x.lost.length, 0);
  const real = r.rounds.filter((x) => x.killed.length > 0);
  return [
    `seed ${r.seed} ${r.mode}: ${lost === 0 ? "nothing lost" : `${lost} ACKNOWLEDGED WRITE(S) LOST`}`,
    `  writes: acked ${r.acked}, unknown ${r.unknown}, failed ${r.failed}; keys checked ${r.checked}; rounds ${real.length}; snapshots saved ${r.snapshots}` +
    (r.mode === "snapshot" ? `; members killed between a snapshot file and its log marker: ${r.inSnapshotWindow}` : ""),
    `  leader after restart: ${stats(real.map((x) => x.leaderMs))}; all acked writes read back: ${stats(real.map((x) => x.verifiedMs))}`,
  ].join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      seeds: { type: "string", default: "3" },
      "first-seed": { type: "string", default: "1" },
      rounds: { type: "string", default: "5" },
      modes: { type: "string", default: "all,one,snapshot,single" },
      writers: { type: "string", default: "8" },
      runtime: { type: "string", default: "deno" },
      "ip-base": { type: "string", default: "127.0.68" },
      verbose: { type: "boolean", default: false },
    },
  });
  const modes = values.modes!.split(",") as Mode[];
  let lost = 0;
  const totals = { acked: 0, unknown: 0, rounds: 0 };
  const first = Number(values["first-seed"]);
  for (let seed = first; seed < first + Number(values.seeds); seed++) {
    for (const mode of modes) {
      const r = await runDurability({
        seed,
        mode,
        rounds: Number(values.rounds),
        writers: Number(values.writers),
        runtime: values.runtime as Runtime,
        ipBase: values["ip-base"]!,
        log: values.verbose ? (l) => console.log(`  [${seed} ${mode}] ${l}`) : undefined,
      });
      console.log(formatDurability(r));
      lost += r.rounds.reduce((n, x) => n + x.lost.length, 0);
      totals.acked += r.acked;
      totals.unknown += r.unknown;
      totals.rounds += r.rounds.filter((x) => x.killed.length > 0).length;
    }
  }
  console.log(`\ntotal: ${totals.rounds} crash rounds, ${totals.acked} writes acknowledged, ${totals.unknown} unknown, ${lost} lost`);
  Deno.exit(lost > 0 ? 1 : 0);
}
