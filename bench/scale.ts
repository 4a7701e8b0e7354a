// Workload 5: one member holding 100,000 keys in 100 directories. Loads them
// fast (many connections in flight, timed), then measures the server's
// resident memory, recursive GETs of one 1000-key directory (wrk), the data
// dir's size, and the time to recover from kill -9: from the restart's spawn
// until a GET of the last key loaded answers 200 with its value.

import { type ClusterFlags, type Launcher, type Member, probe, spawnCluster, stopMember, waitReady } from "./lib/members.ts";
import { diskUsageMiB, treeRssMiB } from "./lib/proc.ts";
import { onConnections } from "./lib/raw_http.ts";
import type { Recorder } from "./lib/stats.ts";
import { runWrk } from "./lib/wrk.ts";

export interface ScalePlan {
  dirs: number;
  keysPerDir: number;
  /** Connections used to load the keys. */
  loadConnections: number;
  /** wrk connections for the recursive GET. */
  getConnections: number;
  durationS: number;
  threads: number;
}

export const DEFAULT_SCALE_PLAN: Omit<ScalePlan, "durationS" | "threads"> = {
  dirs: 100,
  keysPerDir: 1000,
  loadConnections: 128,
  getConnections: 16,
};

const DIR = "/v2/keys/bench/scale";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** 64 bytes, different for every key so a wrong answer cannot pass. */
export function scaleValue(d: number, k: number): string {
  return `${d}-${k}-`.padEnd(64, "x");
}

/** PUTs every key; returns the count of failed writes. */
export async function loadScaleKeys(m: Member, plan: Pick<ScalePlan, "dirs" | "keysPerDir" | "loadConnections">): Promise<number> {
  const total = plan.dirs * plan.keysPerDir;
  let failed = 0;
  await onConnections(m.clientUrl, plan.loadConnections, total, async (c, i) => {
    // Key i goes to directory i % dirs, so every directory fills at once.
    const d = i % plan.dirs;
    const k = Math.floor(i / plan.dirs);
    const r = await c.request("PUT", `${DIR}/d${d}/k${k}`, `value=${scaleValue(d, k)}`);
    if (r.status >= 300) failed++;
  });
  return failed;
}

/** Polls (every 2 ms) until GET of the key answers 200 with the value; ms from spawn. */
export async function untilRecovered(m: Member, url: string, value: string, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (m.child.exitCode !== null) throw new Error(`${m.system} exited with ${m.child.exitCode} while recovering`);
    const { status, body } = await probe(url, 1000);
    if (status === 200 && body.includes(`"value":"${value}"`)) return performance.now() - m.spawnedAt;
    await sleep(2);
  }
  throw new Error(`${m.system}: ${url} not recovered after ${timeoutMs} ms`);
}

/**
 * Runs the whole workload on a fresh member at `host`; stops it at the end
 * (the caller removes the data dir via stopCluster or killAll).
 */
export async function scaleWorkload(
  launcher: Launcher,
  host: string,
  flags: ClusterFlags,
  logDir: string,
  plan: ScalePlan,
  record: Recorder,
  log: (s: string) => void,
): Promise<Member> {
  const sys = launcher.system;
  const total = plan.dirs * plan.keysPerDir;
  const label = `${total / 1000}k keys`;
  let [m] = spawnCluster(launcher, [{ name: "m0", host }], flags, logDir);
  try {
    await waitReady(m, 30_000);
    const rss0 = treeRssMiB(m.child.pid!);

    log(`${sys}: scale, loading ${total} keys on ${plan.loadConnections} conns`);
    const t0 = performance.now();
    const failed = await loadScaleKeys(m, plan);
    const loadS = (performance.now() - t0) / 1000;
    record(`5a. scale: load ${label} × 64 B, ${plan.loadConnections} conns`, "s", false, loadS, failed);
    record(`5a. scale: load ${label} × 64 B, ${plan.loadConnections} conns`, "writes/s", true, total / loadS);

    // Memory once the load's transient garbage has had a moment to go, and
    // once each runtime's own idle-time release has run (V8's memory reducer
    // gave ours back 8–20 s after the load; Go's scavenger works gradually).
    await sleep(2000);
    record(`5b. scale: server RSS, idle with ${label}`, "MiB", false, treeRssMiB(m.child.pid!));
    await sleep(28_000);
    record(`5b. scale: server RSS, idle 30 s with ${label}`, "MiB", false, treeRssMiB(m.child.pid!));
    record(`5b. scale: server RSS, empty store`, "MiB", false, rss0);

    log(`${sys}: scale, recursive GET of a ${plan.keysPerDir}-key dir`);
    const dirUrl = `${m.clientUrl}${DIR}/d7?recursive=true`;
    const check = await probe(dirUrl, 10_000);
    const listed = (check.body.match(/"key":/g) ?? []).length - 1;
    if (check.status !== 200 || listed !== plan.keysPerDir) throw new Error(`${sys}: recursive GET listed ${listed} keys (status ${check.status})`);
    const w = await runWrk({ url: dirUrl, connections: plan.getConnections, threads: plan.threads, durationS: plan.durationS });
    const getName = `5c. scale: GET recursive 1000-key dir, ${plan.getConnections} conns`;
    record(getName, "req/s", true, w.rps, w.errors);
    record(getName, "p99 ms", false, w.p99Ms);

    record(`5d. scale: data dir (du) after load`, "MiB", false, diskUsageMiB(m.dataDir));

    log(`${sys}: scale, kill -9 and recovery`);
    await stopMember(m, "SIGKILL");
    const lastD = (total - 1) % plan.dirs;
    const lastK = Math.floor((total - 1) / plan.dirs);
    [m] = spawnCluster(launcher, [{ name: "m0", host, dataDir: m.dataDir }], flags, logDir);
    const recoveredMs = await untilRecovered(m, `${m.clientUrl}${DIR}/d${lastD}/k${lastK}`, scaleValue(lastD, lastK), 120_000);
    record(`5e. scale: kill -9 → restart → GET of last key = 200 + value`, "ms", false, recoveredMs);
    await sleep(2000);
    record(`5b. scale: server RSS, idle after restart`, "MiB", false, treeRssMiB(m.child.pid!));
    record(`5d. scale: data dir (du) after restart`, "MiB", false, diskUsageMiB(m.dataDir));
    // Recovery's transient garbage is given back as after the load.
    await sleep(28_000);
    record(`5b. scale: server RSS, idle 30 s after restart`, "MiB", false, treeRssMiB(m.child.pid!));
    return m;
  } catch (e) {
    await stopMember(m, "SIGKILL");
    throw e;
  }
}
