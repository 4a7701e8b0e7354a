// Where ours spends CPU fanning a write out to waiting watchers: runs the
// bundled server (dist/etcd.js) under `node --cpu-prof`, runs the watch
// workload's rounds (N long polls, one PUT, all answers, again), and prints
// the top self-time functions.
//
//   npx deno run -A bench/lib/profile_watch.ts [watchers=1000] [writes=30]

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { hostRange, killAll, spawnCluster, stopCluster, waitReady } from "./members.ts";
import { topSelf } from "./profile.ts";
import { percentile } from "./stats.ts";
import { watchLatencies } from "../watch.ts";

async function main(): Promise<void> {
  const watchers = Number(process.argv[2] ?? 1000);
  const writes = Number(process.argv[3] ?? 30);
  const root = new URL("../../", import.meta.url).pathname;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-profwatch-"));
  try {
    const script = path.join(dir, "etcd.mjs");
    fs.copyFileSync(path.join(root, "dist/etcd.js"), script);
    const launcher = { system: "ours" as const, command: "node", prefix: ["--cpu-prof", `--cpu-prof-dir=${dir}`, script] };
    const [m] = spawnCluster(launcher, [{ name: "m0", host: hostRange(38, 38)() }], { heartbeatMs: 100, electionMs: 1000 }, dir);
    await waitReady(m, 30_000);
    const r = await watchLatencies(m, watchers, writes);
    console.log(`${watchers} watchers × ${writes} writes: sent→event p50 ${percentile(r.fromSend, 50).toFixed(1)} ms, p99 ${percentile(r.fromSend, 99).toFixed(1)} ms; PUT p50 ${percentile(r.putMs, 50).toFixed(2)} ms`);
    const pid = m.child.pid;
    await stopCluster([m]);
    const file = fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile") && f.includes(`.${pid}.`));
    if (!file) throw new Error("no .cpuprofile written");
    console.log(topSelf(JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")), 30).join("\n"));
  } finally {
    killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
