// Side-by-side benchmark of real etcd 3.4 and ours on loopback, driven by
// wrk, interleaved (etcd, ours, etcd, ours …) over several rounds. Only the
// ratios from one run mean anything on a small, noisy machine.
//
//   npm run bench -- [--rounds 3] [--duration 5s] [--ours=sea|deno]
//                    [--only 1,2,3,cold,failover,watch,scale] [--etcd /usr/bin/etcd]
//
// --ours=sea (default) runs dist/etcd (build it first: npx deno run -A
// build.ts); --ours=deno runs node_modules/.bin/deno run -A server/main.ts.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import {
  findLeader,
  hostRange,
  killAll,
  type Launcher,
  type Member,
  planMembers,
  probe,
  spawnCluster,
  stopCluster,
  stopMember,
  type System,
  waitReady,
} from "./lib/members.ts";
import { type Metric, type Recorder, table } from "./lib/stats.ts";
import { luaScript, runWrk, type WrkResult } from "./lib/wrk.ts";
import { DEFAULT_SCALE_PLAN, scaleWorkload } from "./scale.ts";
import { DEFAULT_WATCH_PLAN, watchWorkload } from "./watch.ts";

interface Options {
  rounds: number;
  durationS: number;
  ours: "sea" | "deno";
  etcdBin: string;
  only: Set<string>;
  threads: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { rounds: 3, durationS: 5, ours: "sea", etcdBin: "/usr/bin/etcd", only: new Set(["1", "2", "3", "cold", "failover", "watch", "scale"]), threads: 2 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case "--rounds": o.rounds = Number(value()); break;
      case "--duration": o.durationS = Number(value().replace(/s$/, "")); break;
      case "--ours": {
        const v = value();
        if (v !== "sea" && v !== "deno") throw new Error(`--ours must be sea or deno, not ${v}`);
        o.ours = v;
        break;
      }
      case "--etcd": o.etcdBin = value(); break;
      case "--only": o.only = new Set(value().split(",")); break;
      case "--threads": o.threads = Number(value()); break;
      default: throw new Error(`unknown flag ${argv[i]}`);
    }
  }
  if (!(o.rounds >= 1) || !(o.durationS > 0)) throw new Error("--rounds and --duration must be positive");
  return o;
}

const ROOT = new URL("../", import.meta.url).pathname;

function launchers(o: Options, workDir: string): Record<System, Launcher> {
  const ours: Launcher = o.ours === "sea"
    ? { system: "ours", command: path.join(ROOT, "dist/etcd"), prefix: [] }
    : { system: "ours", command: path.join(ROOT, "node_modules/.bin/deno"), prefix: ["run", "-A", path.join(ROOT, "server/main.ts")] };
  if (!fs.existsSync(ours.command)) throw new Error(`${ours.command} is missing (for the default --ours=sea, run: npx deno run -A build.ts)`);
  if (o.ours === "sea") {
    // A private copy: a concurrent `npm run build` (or `npm test`) rewrites
    // dist/etcd in place, and a member started mid-write would fail.
    ours.command = path.join(workDir, "etcd");
    fs.copyFileSync(path.join(ROOT, "dist/etcd"), ours.command);
    fs.chmodSync(ours.command, 0o755);
  }
  if (!fs.existsSync(o.etcdBin)) throw new Error(`${o.etcdBin} is missing`);
  return { etcd: { system: "etcd", command: o.etcdBin, prefix: [] }, ours };
}

// Same Raft timing on both; etcd's defaults.
const ONE = { heartbeatMs: 100, electionMs: 1000 };
const READY_MS = 30_000;

/** Collects samples per metric, keeping the order metrics first appear in. */
class Results {
  readonly metrics: Metric[] = [];
  private get(workload: string, unit: string, higherIsBetter: boolean): Metric {
    let m = this.metrics.find((x) => x.workload === workload && x.unit === unit);
    if (!m) {
      m = { workload, unit, higherIsBetter, etcd: [], ours: [], errors: { etcd: 0, ours: 0 } };
      this.metrics.push(m);
    }
    return m;
  }
  add(system: System, workload: string, unit: string, higherIsBetter: boolean, value: number, errors = 0): void {
    const m = this.get(workload, unit, higherIsBetter);
    m[system].push(value);
    m.errors[system] += errors;
  }
  recorder(system: System): Recorder {
    return (workload, unit, higherIsBetter, value, errors = 0) => this.add(system, workload, unit, higherIsBetter, value, errors);
  }
  addWrk(system: System, workload: string, r: WrkResult, rateUnit: string, p50 = false): void {
    this.add(system, workload, rateUnit, true, r.rps, r.errors);
    if (p50) this.add(system, workload, "p50 ms", false, r.p50Ms);
    this.add(system, workload, "p99 ms", false, r.p99Ms);
  }
}

async function put(url: string, value: string, timeoutMs: number): Promise<number> {
  const { status } = await probe(url, timeoutMs, {
    method: "PUT",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `value=${value}`,
  });
  return status;
}

function log(msg: string): void {
  console.error(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

async function oneMember(launcher: Launcher, o: Options, res: Results, logDir: string): Promise<void> {
  const sys = launcher.system;
  const members = spawnCluster(launcher, planMembers(1), ONE, logDir);
  try {
    const coldMs = await waitReady(members[0], READY_MS);
    if (o.only.has("cold")) res.add(sys, "7. cold start → first 200 on /v2/keys/", "ms", false, coldMs);
    const base = members[0].clientUrl;
    await findLeader(members, READY_MS);
    if (await put(`${base}/v2/keys/bench/get`, "v".repeat(64), 5000) >= 300) throw new Error(`${sys}: seeding the GET key failed`);
    const wrk = (connections: number, url: string, script?: string) =>
      runWrk({ url, connections, threads: o.threads, durationS: o.durationS, script });
    if (o.only.has("1")) {
      log(`${sys}: GET, 1 member, 64 conns`);
      res.addWrk(sys, "1. GET one key, 1 member, 64 conns", await wrk(64, `${base}/v2/keys/bench/get`), "req/s");
    }
    if (o.only.has("2")) {
      log(`${sys}: PUT, 1 member, 64 conns`);
      res.addWrk(sys, "2a. PUT 1000 keys × 64 B, 1 member, 64 conns", await wrk(64, base, luaScript("put.lua")), "writes/s");
      log(`${sys}: PUT, 1 member, 1 conn`);
      res.addWrk(sys, "2b. PUT 1000 keys × 64 B, 1 member, 1 conn", await wrk(1, base, luaScript("put.lua")), "writes/s", true);
    }
  } finally {
    await stopCluster(members);
  }
}

async function threeMembers(launcher: Launcher, o: Options, res: Results, logDir: string): Promise<void> {
  const sys = launcher.system;
  const members = spawnCluster(launcher, planMembers(3), ONE, logDir);
  try {
    await Promise.all(members.map((m) => waitReady(m, READY_MS)));
    const leader = await findLeader(members, READY_MS);
    const follower = members.find((m) => m !== leader)!;
    if (await put(`${leader.clientUrl}/v2/keys/bench/get`, "v".repeat(64), 5000) >= 300) throw new Error(`${sys}: seeding the GET key failed`);
    const wrk = (url: string, script?: string) => runWrk({ url, connections: 64, threads: o.threads, durationS: o.durationS, script });
    if (o.only.has("3")) {
      log(`${sys}: PUT to leader, 3 members`);
      res.addWrk(sys, "3a. PUT to leader, 3 members, 64 conns", await wrk(leader.clientUrl, luaScript("put.lua")), "writes/s");
      log(`${sys}: PUT to follower, 3 members`);
      res.addWrk(sys, "3b. PUT to follower, 3 members, 64 conns", await wrk(follower.clientUrl, luaScript("put.lua")), "writes/s");
      log(`${sys}: quorum GET on follower, 3 members`);
      res.addWrk(sys, "3c. GET quorum=true on follower, 3 members, 64 conns", await wrk(`${follower.clientUrl}/v2/keys/bench/get?quorum=true`), "req/s");
    }
    if (o.only.has("failover")) {
      log(`${sys}: failover (kill -9 the leader)`);
      const now = await findLeader(members, READY_MS);
      const survivors = members.filter((m) => m !== now);
      // Let the cluster settle after the load so the kill finds it idle.
      await new Promise((r) => setTimeout(r, 1000));
      const t0 = performance.now();
      await stopMember(now, "SIGKILL");
      const ms = await firstWrite(survivors, 30_000);
      res.add(sys, "6. failover: kill -9 leader → first write OK on a survivor", "ms", false, ms - t0);
    }
  } finally {
    await stopCluster(members);
  }
}

// The watch and scale workloads keep to 127.0.36.x–127.0.39.x.
const ownHost = hostRange(36, 39);

async function watchMember(launcher: Launcher, res: Results, logDir: string): Promise<void> {
  const members = spawnCluster(launcher, [{ name: "m0", host: ownHost() }], ONE, logDir);
  try {
    await waitReady(members[0], READY_MS);
    await findLeader(members, READY_MS);
    await watchWorkload(members[0], DEFAULT_WATCH_PLAN, res.recorder(launcher.system), log);
  } finally {
    await stopCluster(members);
  }
}

async function scaleMember(launcher: Launcher, o: Options, res: Results, logDir: string): Promise<void> {
  const plan = { ...DEFAULT_SCALE_PLAN, durationS: o.durationS, threads: o.threads };
  const m = await scaleWorkload(launcher, ownHost(), ONE, logDir, plan, res.recorder(launcher.system), log);
  await stopCluster([m]);
}

/** Tries writes on the survivors in turn until one succeeds; returns the time. */
async function firstWrite(survivors: Member[], timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let i = 0;
  while (performance.now() < deadline) {
    const m = survivors[i++ % survivors.length];
    const status = await put(`${m.clientUrl}/v2/keys/bench/failover`, String(i), 500);
    if (status >= 200 && status < 300) return performance.now();
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no write succeeded within ${timeoutMs} ms of the leader's death`);
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-run-"));
  workDirs.push(workDir);
  const logDir = path.join(workDir, "logs");
  fs.mkdirSync(logDir);
  const ls = launchers(o, workDir);
  log(`rounds=${o.rounds} duration=${o.durationS}s ours=${o.ours} member logs in ${logDir}`);
  const res = new Results();
  const started = Date.now();
  for (let round = 1; round <= o.rounds; round++) {
    for (const sys of ["etcd", "ours"] as const) {
      log(`round ${round}/${o.rounds}: ${sys}`);
      if (["1", "2", "cold"].some((w) => o.only.has(w))) await oneMember(ls[sys], o, res, logDir);
      if (["3", "failover"].some((w) => o.only.has(w))) await threeMembers(ls[sys], o, res, logDir);
      if (o.only.has("watch")) await watchMember(ls[sys], res, logDir);
      if (o.only.has("scale")) await scaleMember(ls[sys], o, res, logDir);
    }
  }
  console.log(`\n## etcd 3.4 vs ours (${o.ours}), ${o.rounds} rounds × ${o.durationS}s, wrk -t${o.threads}; medians\n`);
  console.log(table(res.metrics));
  console.log(`\nratio = ours/etcd; for rates >1× is better, for latencies and times <1× is better. ${((Date.now() - started) / 1000).toFixed(0)} s in all.`);
  fs.rmSync(workDir, { recursive: true, force: true });
}

// Removed at exit unless the run failed (then its member logs are kept).
const workDirs: string[] = [];

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    killAll();
    for (const d of workDirs) fs.rmSync(d, { recursive: true, force: true });
    process.exit(130);
  });
}

try {
  await main();
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  for (const d of workDirs) {
    fs.rmSync(path.join(d, "etcd"), { force: true });
    console.error(`member logs kept in ${path.join(d, "logs")}`);
  }
  process.exitCode = 1;
} finally {
  killAll();
}

