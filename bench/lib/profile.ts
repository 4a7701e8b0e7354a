// Where ours spends CPU under load: runs one member of the bundled server
// (dist/etcd.js, the code the Node executable runs) under `node --cpu-prof`,
// drives it with wrk, stops it, and prints the top self-time functions.
// Deno 2.9 has no --cpu-prof, hence Node.
//
//   npx deno run -A bench/lib/profile.ts [get|put|put3] [seconds]
//
// put3 starts three members and profiles the leader while wrk PUTs to it.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { findLeader, killAll, planMembers, spawnCluster, stopCluster, waitReady } from "./members.ts";
import { luaScript, runWrk } from "./wrk.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

/** Self samples per function, as "share% name (file:line)" lines. */
export function topSelf(profile: Profile, count: number): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const tally = new Map<string, number>();
  for (const id of profile.samples) {
    const f = byId.get(id)!.callFrame;
    const key = `${f.functionName || "(anonymous)"} (${path.basename(f.url) || "native"}:${f.lineNumber + 1})`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  const total = profile.samples.length;
  return [...tally.entries()].sort((a, b) => b[1] - a[1]).slice(0, count)
    .map(([k, n]) => `${(100 * n / total).toFixed(1).padStart(5)}%  ${k}`);
}

async function main(): Promise<void> {
  const workload = process.argv[2] ?? "put";
  const seconds = Number(process.argv[3] ?? 5);
  const root = new URL("../../", import.meta.url).pathname;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-prof-"));
  try {
    // A private copy, safe from a concurrent rebuild (ESM, hence .mjs).
    const script = path.join(dir, "etcd.mjs");
    fs.copyFileSync(path.join(root, "dist/etcd.js"), script);
    const launcher = { system: "ours" as const, command: "node", prefix: ["--cpu-prof", `--cpu-prof-dir=${dir}`, script] };
    const members = spawnCluster(launcher, planMembers(workload === "put3" ? 3 : 1), { heartbeatMs: 100, electionMs: 1000 }, dir);
    let leaderPid = 0;
    try {
      await Promise.all(members.map((m) => waitReady(m, 30_000)));
      const leader = await findLeader(members, 30_000);
      leaderPid = leader.child.pid ?? 0;
      const base = leader.clientUrl;
      await fetch(`${base}/v2/keys/bench/get`, { method: "PUT", body: new URLSearchParams({ value: "v".repeat(64) }) }).then((r) => r.text());
      const r = workload === "get"
        ? await runWrk({ url: `${base}/v2/keys/bench/get`, connections: 64, threads: 2, durationS: seconds })
        : await runWrk({ url: base, connections: 64, threads: 2, durationS: seconds, script: luaScript("put.lua") });
      console.log(`${workload}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99Ms} ms, errors ${r.errors}`);
    } finally {
      await stopCluster(members);
    }
    // Node names profiles CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile.
    const file = fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile") && f.includes(`.${leaderPid}.`));
    if (!file) throw new Error("no .cpuprofile written (did the server exit cleanly on SIGTERM?)");
    const profile = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as Profile;
    console.log(topSelf(profile, 25).join("\n"));
    // For put3, the followers' top lines too: are they the busy ones?
    for (const other of fs.readdirSync(dir).filter((f) => f.endsWith(".cpuprofile") && f !== file)) {
      const p = JSON.parse(fs.readFileSync(path.join(dir, other), "utf8")) as Profile;
      console.log(`follower ${other}:\n${topSelf(p, Number(process.env.FOLLOWER_TOP ?? 6)).join("\n")}`);
    }
  } finally {
    killAll();
    // PROFILE_KEEP=dir keeps the .cpuprofile files for a closer look.
    const keep = process.env.PROFILE_KEEP;
    if (keep) for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))) fs.copyFileSync(path.join(dir, f), path.join(keep, f));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
