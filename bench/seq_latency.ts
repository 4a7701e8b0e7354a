// Latency of one write at a time on three members, etcd 3.4 and ours side by
// side: wrk with one connection PUTs to the leader, interleaved rounds. On a
// busy machine throughput swings with the load, but a single client's
// per-write latency shows where the time of one replicated write goes; for
// ours the leader's /metrics splits it into fsync and peer round trips.
//
//   npx deno run -A bench/seq_latency.ts [--ours sea|deno|node] [--rounds 3] [--duration 4]

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { findLeader, killAll, type Launcher, planMembers, probe, spawnCluster, stopCluster, waitReady } from "./lib/members.ts";
import { median } from "./lib/stats.ts";
import { luaScript, runWrk } from "./lib/wrk.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    ours: { type: "string", default: "sea" },
    rounds: { type: "string", default: "3" },
    duration: { type: "string", default: "4" },
  },
});

function oursLauncher(kind: string, workDir: string): Launcher {
  if (kind === "deno") {
    return { system: "ours", command: path.join(ROOT, "node_modules/.bin/deno"), prefix: ["run", "-A", path.join(ROOT, "server/main.ts")] };
  }
  if (kind === "node") return { system: "ours", command: "node", prefix: [path.join(ROOT, "dist/etcd.js")] };
  // A private copy, so a concurrent build cannot rewrite it under us.
  const copy = path.join(workDir, "etcd");
  fs.copyFileSync(path.join(ROOT, "dist/etcd"), copy);
  fs.chmodSync(copy, 0o755);
  return { system: "ours", command: copy, prefix: [] };
}

/** Sum and count of a Prometheus histogram in a /metrics page. */
function histogram(page: string, name: string): { sum: number; count: number } {
  let sum = 0;
  let count = 0;
  for (const line of page.split("\n")) {
    if (line.startsWith(`${name}_sum`)) sum += Number(line.split(" ").pop());
    if (line.startsWith(`${name}_count`)) count += Number(line.split(" ").pop());
  }
  return { sum, count };
}

async function round(launcher: Launcher, durationS: number, logDir: string): Promise<{ p50: number; p99: number; rps: number; detail: string }> {
  const members = spawnCluster(launcher, planMembers(3), { heartbeatMs: 100, electionMs: 1000 }, logDir);
  try {
    await Promise.all(members.map((m) => waitReady(m, 30_000)));
    const leader = await findLeader(members, 10_000);
    const before = launcher.system === "ours" ? (await probe(`${leader.clientUrl}/metrics`, 2000)).body : "";
    const r = await runWrk({ url: leader.clientUrl, connections: 1, threads: 1, durationS, script: luaScript("put.lua") });
    let detail = "";
    if (launcher.system === "ours") {
      const after = (await probe(`${leader.clientUrl}/metrics`, 2000)).body;
      const per = (name: string) => {
        const a = histogram(after, name);
        const b = histogram(before, name);
        const n = a.count - b.count;
        return `${n} × ${n ? ((1000 * (a.sum - b.sum)) / n).toFixed(2) : "-"} ms`;
      };
      detail = `leader fsyncs ${per("etcd_disk_wal_fsync_duration_seconds")}, peer batches ${per("etcd_network_peer_round_trip_time_seconds")}, for ${r.requests} writes`;
    }
    return { p50: r.p50Ms, p99: r.p99Ms, rps: r.rps, detail };
  } finally {
    await stopCluster(members);
  }
}

async function main(): Promise<void> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "seq-latency-"));
  const launchers: Launcher[] = [{ system: "etcd", command: "/usr/bin/etcd", prefix: [] }, oursLauncher(values.ours!, workDir)];
  const p50: Record<string, number[]> = { etcd: [], ours: [] };
  const rps: Record<string, number[]> = { etcd: [], ours: [] };
  try {
    for (let i = 0; i < Number(values.rounds); i++) {
      for (const l of launchers) {
        const r = await round(l, Number(values.duration), workDir);
        p50[l.system].push(r.p50);
        rps[l.system].push(r.rps);
        console.log(`${l.system.padEnd(4)} round ${i + 1}: ${r.rps.toFixed(0)} writes/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms ${r.detail}`);
      }
    }
    const ratio = median(p50.ours) / median(p50.etcd);
    console.log(`median p50: etcd ${median(p50.etcd).toFixed(2)} ms, ours ${median(p50.ours).toFixed(2)} ms (ours/etcd ${ratio.toFixed(2)}×); writes/s ours/etcd ${(median(rps.ours) / median(rps.etcd)).toFixed(2)}×`);
  } finally {
    killAll();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (err) {
  killAll();
  console.error(err);
  process.exit(1);
}
