// Interleaved A/B of two (or more) builds of ours, or of ours and etcd, on
// PUT at 64 connections: one member, or three (to the leader and to a
// follower). Each round starts a fresh member or cluster per build, in
// turn, so a noisy host hits every build alike; it prints every round and
// the mean per build. For judging one change, where the full bench's
// medians over 3 rounds move more with the host than with the change.
//
//   npx deno run -A bench/ab.ts [--rounds 4] [--members 1|3] [--duration 5] A.mjs B.mjs [etcd]
//
// A build is an ESM bundle run by node (copy dist/etcd.js to a .mjs file
// before and after the change), `/path/to/node=bundle.mjs` for the same
// bundle on another node, or `etcd` for /usr/bin/etcd --enable-v2.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { findLeader, killAll, type Launcher, planMembers, spawnCluster, stopCluster, waitReady } from "./lib/members.ts";
import { luaScript, runWrk } from "./lib/wrk.ts";

/** A build's parts: `bundle.mjs` (run by the node on PATH) or `/path/to/node=bundle.mjs` (to compare runtimes). */
function splitBuild(build: string): { node?: string; bundle: string } {
  const eq = build.indexOf("=");
  return eq < 0 ? { bundle: build } : { node: build.slice(0, eq), bundle: build.slice(eq + 1) };
}

/** `etcd`, or a bundle run by node (splitBuild). */
function launcher(build: string): Launcher {
  if (build === "etcd") return { system: "etcd", command: "/usr/bin/etcd", prefix: ["--enable-v2"] };
  const { node, bundle } = splitBuild(build);
  return { system: "ours", command: node ?? "node", prefix: [path.resolve(bundle)] };
}

/** How a build is named in the output: its file, and the node when it is not the one on PATH. */
function buildLabel(build: string): string {
  const { node, bundle } = splitBuild(build);
  return node ? `${path.basename(bundle)} on ${node}` : path.basename(bundle);
}

async function main(): Promise<void> {
  const { values, positionals: builds } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { rounds: { type: "string", default: "4" }, members: { type: "string", default: "3" }, duration: { type: "string", default: "5" } },
  });
  const rounds = Number(values.rounds), members = Number(values.members), durationS = Number(values.duration);
  if (builds.length < 2 || ![1, 3].includes(members)) throw new Error("usage: ab.ts [--rounds N] [--members 1|3] [--duration S] A.mjs B.mjs [etcd]");
  const rates = new Map<string, number[][]>(builds.map((b) => [b, []]));
  const put = (url: string) => runWrk({ url, connections: 64, threads: 2, durationS, script: luaScript("put.lua") });
  try {
    for (let r = 0; r < rounds; r++) {
      for (const b of builds) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-ab-"));
        const ms = spawnCluster(launcher(b), planMembers(members), { heartbeatMs: 100, electionMs: 1000 }, dir);
        try {
          await Promise.all(ms.map((m) => waitReady(m, 30_000)));
          const leader = await findLeader(ms, 30_000);
          const row = [(await put(leader.clientUrl)).rps];
          const follower = ms.find((m) => m !== leader);
          if (follower) row.push((await put(follower.clientUrl)).rps);
          rates.get(b)!.push(row);
          console.log(`round ${r + 1} ${buildLabel(b)}: ${row.map((x) => x.toFixed(0)).join(" / ")} writes/s`);
        } finally {
          await stopCluster(ms);
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }
    }
  } finally {
    killAll();
  }
  const label = members === 1 ? ["PUT"] : ["to the leader", "to a follower"];
  for (const [b, rows] of rates) {
    const means = label.map((_, i) => rows.reduce((s, row) => s + row[i], 0) / rows.length);
    console.log(`${buildLabel(b)}: mean ${label.map((l, i) => `${l} ${means[i].toFixed(0)}`).join(", ")} writes/s over ${rows.length} rounds`);
  }
}

if (import.meta.main) await main();
