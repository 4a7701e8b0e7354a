// Records histories from a 3-member cluster of our executable under a
// nemesis and checks them for linearizability, one seeded run after another.
//
//   deno run -A tools/reliability/run.ts --seeds 5 --duration 30 [--first-seed 1]
//     [--clients 8] [--faults kill-random,kill-leader,stop-leader,...] [--no-proxy] [--verbose]
//     [--runtime deno|node] [--ip-base 127.0.47] [--dump DIR]   (writes DIR/history-<seed>.json)
//
// Exits 1 if any run shows an anomaly.

import { parseArgs } from "node:util";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agreedLeader, json, Member, stopAll } from "../../test/helpers/cluster.ts";
import type { Runtime } from "../../test/helpers/server.ts";
import { check, describe, type KeyResult } from "../../test/reliability/lin/checker.ts";
import { tally, Workload } from "./clients.ts";
import { type Fault, Nemesis } from "./nemesis.ts";
import { PeerProxy, proxyTargets } from "./proxy.ts";
import { Rng } from "./rng.ts";

export interface RunOptions {
  seed: number;
  durationMs: number;
  clients: number;
  faults: Fault[];
  /** Put the fault-injecting proxy between members. */
  proxy: boolean;
  /** Loopback addresses `${ipBase}.1` to `.3`. */
  ipBase: string;
  /** deno (server/main.ts, the default) or node (the dist/etcd.js bundle); ETCD_TEST_BINARY overrides both. */
  runtime?: Runtime;
  log?: (line: string) => void;
  /** Pause between faults and how long each lasts, in ms (defaults [500, 2000] and [500, 5000]). */
  gapMs?: [number, number];
  holdMs?: [number, number];
  /** Keep going past durationMs (up to maxDurationMs) until this many faults were injected. */
  minFaults?: number;
  maxDurationMs?: number;
  /** Write the recorded history here as JSON (unknown completions as null). */
  dumpPath?: string;
}

export interface RunReport {
  seed: number;
  ops: Record<string, number>;
  faults: Record<string, number>;
  keys: KeyResult[];
  anomalies: number;
  gaveUp: number;
}

const PROXY_FAULTS: Fault[] = ["partition-leader", "partition-random", "one-way", "slow-links"];
const PROCESS_FAULTS: Fault[] = ["kill-random", "kill-leader", "stop-leader"];

/** Members on `${ipBase}.1..3` listening for peers on :2380 and advertising :2390 (the proxy) when proxied. */
function cluster(cwd: string, ipBase: string, proxied: boolean, runtime: Runtime): Member[] {
  const ip = (i: number) => `${ipBase}.${i + 1}`;
  const peerPort = proxied ? 2390 : 2380;
  const initial = [0, 1, 2].map((i) => `r${i}=http://${ip(i)}:${peerPort}`).join(",");
  return [0, 1, 2].map((i) =>
    new Member(`r${i}`, [
      "--name", `r${i}`, "--data-dir", `r${i}.etcd`,
      "--listen-peer-urls", `http://${ip(i)}:2380`, "--initial-advertise-peer-urls", `http://${ip(i)}:${peerPort}`,
      "--listen-client-urls", `http://${ip(i)}:2379`, "--advertise-client-urls", `http://${ip(i)}:2379`,
      "--initial-cluster", initial, "--heartbeat-interval", "50", "--election-timeout", "500",
    ], `http://${ip(i)}:2379`, cwd, runtime)
  );
}

export async function runOnce(opts: RunOptions): Promise<RunReport> {
  const cwd = mkdtempSync(join(tmpdir(), "reliability-"));
  const members = cluster(cwd, opts.ipBase, opts.proxy, opts.runtime ?? "deno");
  const proxy = opts.proxy ? new PeerProxy(proxyTargets(opts.ipBase, members.map((m) => m.name))) : undefined;
  const keys = ["rel/a", "rel/b", "rel/c"];
  try {
    await proxy?.start();
    for (const m of members) m.start();
    await Promise.all(members.map((m) => m.healthy(30_000)));
    await agreedLeader(members);
    proxy?.learn((await json(`${members[0].clientUrl}/v2/members`)).body.members);
    const workload = new Workload({ urls: members.map((m) => m.clientUrl), keys, clients: opts.clients, timeoutMs: 3000, rng: new Rng(opts.seed * 2 + 1) });
    const faults = opts.faults.filter((f) => proxy || !PROXY_FAULTS.includes(f));
    const nemesis = new Nemesis({ members, rng: new Rng(opts.seed * 2), faults, gapMs: opts.gapMs ?? [500, 2000], holdMs: opts.holdMs ?? [500, 5000], proxy, log: opts.log });
    workload.start();
    if (faults.length > 0) nemesis.start();
    const t0 = performance.now();
    await sleep(opts.durationMs);
    const total = () => Object.values(nemesis.injected).reduce((n, v) => n + v, 0);
    while (faults.length > 0 && total() < (opts.minFaults ?? 0) && performance.now() - t0 < (opts.maxDurationMs ?? opts.durationMs)) await sleep(200);
    await nemesis.stop();
    await workload.stop();
    if (proxy) opts.log?.(`proxy: ${JSON.stringify(proxy.effects)}`);
    if (opts.dumpPath) writeFileSync(opts.dumpPath, JSON.stringify(workload.history));
    const result = check(workload.history, { budget: 20_000_000 });
    return {
      seed: opts.seed,
      ops: tally(workload.history),
      faults: nemesis.injected,
      keys: result.keys,
      anomalies: result.keys.filter((k) => !k.ok && !k.gaveUp).length,
      gaveUp: result.keys.filter((k) => k.gaveUp).length,
    };
  } finally {
    await stopAll(members);
    await proxy?.stop();
    rmSync(cwd, { recursive: true, force: true });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function formatReport(r: RunReport): string {
  const lines = [`seed ${r.seed}: ${r.anomalies === 0 && r.gaveUp === 0 ? "linearizable" : `${r.anomalies} ANOMALOUS key(s), ${r.gaveUp} undecided`}`];
  lines.push(`  ops:    ${Object.entries(r.ops).sort().map(([k, v]) => `${k} ${v}`).join(", ")}`);
  lines.push(`  faults: ${Object.entries(r.faults).sort().map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`);
  for (const k of r.keys) {
    if (k.ok) continue;
    lines.push(`  key ${k.key}: ${k.gaveUp ? "search gave up" : k.unconfirmed ? "NOT linearizable (unconfirmed: found without unobserved unknown writes)" : "NOT linearizable"} (${k.ops} ops)`);
    const ce = k.counterexample;
    if (ce) {
      lines.push(`    smallest failing prefix: ${ce.prefixOps} ops; cannot place: ${describe(ce.failing)}`);
      lines.push(`    longest partial linearization: ${ce.longest.join(" ")}`);
      for (const o of ce.involved) lines.push(`      ${describe(o)}`);
    }
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      seeds: { type: "string", default: "3" },
      "first-seed": { type: "string", default: "1" },
      duration: { type: "string", default: "20" },
      clients: { type: "string", default: "8" },
      faults: { type: "string" },
      "no-proxy": { type: "boolean", default: false },
      "ip-base": { type: "string", default: "127.0.47" },
      verbose: { type: "boolean", default: false },
      runtime: { type: "string", default: "deno" },
      dump: { type: "string" },
    },
  });
  const proxy = !values["no-proxy"];
  const faults = (values.faults?.split(",") as Fault[] | undefined) ?? [...PROCESS_FAULTS, ...(proxy ? PROXY_FAULTS : [])];
  const total = { ops: {} as Record<string, number>, faults: {} as Record<string, number>, anomalies: 0, gaveUp: 0 };
  const first = Number(values["first-seed"]);
  for (let seed = first; seed < first + Number(values.seeds); seed++) {
    const r = await runOnce({
      seed,
      durationMs: Number(values.duration) * 1000,
      clients: Number(values.clients),
      faults,
      proxy,
      ipBase: values["ip-base"]!,
      runtime: values.runtime as Runtime,
      dumpPath: values.dump ? join(values.dump, `history-${seed}.json`) : undefined,
      log: values.verbose ? (l) => console.log(`  [${seed}] ${l}`) : undefined,
    });
    console.log(formatReport(r));
    for (const [k, v] of Object.entries(r.ops)) total.ops[k] = (total.ops[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.faults)) total.faults[k] = (total.faults[k] ?? 0) + v;
    total.anomalies += r.anomalies;
    total.gaveUp += r.gaveUp;
  }
  console.log(`\ntotal over ${values.seeds} seed(s): ${total.anomalies} anomalies, ${total.gaveUp} undecided`);
  console.log(`  ops:    ${Object.entries(total.ops).sort().map(([k, v]) => `${k} ${v}`).join(", ")}`);
  console.log(`  faults: ${Object.entries(total.faults).sort().map(([k, v]) => `${k} ${v}`).join(", ")}`);
  Deno.exit(total.anomalies > 0 ? 1 : 0);
}
