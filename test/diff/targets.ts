// The servers a differential run talks to: real etcd as the oracle, and ours
// (one per runtime under test, or an already running one from DIFF_OURS_URL).
import { ETCD_MISSING, etcdAvailable, startRealEtcd } from "../helpers/etcd_real.ts";
import type { Server } from "./run.ts";

export interface RunningServer extends Server {
  stop(): Promise<void>;
}

// The launcher the lead engineer provides (test/helpers/server.ts). Loaded
// dynamically so that this harness works (against DIFF_OURS_URL) before it
// exists, and fails with a clear message, not a type error, if it is missing.
interface ServerHandle {
  clientUrl: string;
  stop(): Promise<void>;
}
interface ServerLauncher {
  startServer(opts?: { runtime?: "deno" | "node"; args?: string[]; dataDir?: string }): Promise<ServerHandle>;
  runtimesUnderTest(): ("deno" | "node")[];
}

// A second etcd starts at the same index as the first; moving it on makes the
// self-check exercise the relative-index normalization for real.
const SECOND_ETCD_SHIFT = 17;

/** Advances a server's etcd index by `n` writes outside any /diff prefix. */
export async function shiftIndex(url: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${url}/v2/keys/warmup/k${i}`, {
      method: "PUT",
      body: "value=w",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      signal: AbortSignal.timeout(5000),
    });
    await res.body?.cancel();
    if (res.status !== 201) throw new Error(`shiftIndex: PUT ${url}/v2/keys/warmup/k${i} gave ${res.status}`);
  }
}

export async function startOracle(): Promise<RunningServer> {
  if (!etcdAvailable()) throw new Error(ETCD_MISSING);
  const etcd = await startRealEtcd();
  return { name: "etcd", url: etcd.clientUrl, stop: () => etcd.stop() };
}

/**
 * Our servers. DIFF_OURS_URL (comma-separated URLs allowed) points at running
 * servers, which may be anything speaking the v2 API — a second real etcd
 * validates the harness itself; DIFF_OURS=etcd starts one for that purpose.
 * Otherwise ours is started on each runtime from runtimesUnderTest().
 */
export async function startOurs(): Promise<RunningServer[]> {
  if (Deno.env.get("DIFF_OURS") === "etcd") {
    const second = await startRealEtcd();
    try {
      await shiftIndex(second.clientUrl, SECOND_ETCD_SHIFT);
    } catch (err) {
      await second.stop();
      throw err;
    }
    return [{ name: "second-etcd", url: second.clientUrl, stop: () => second.stop() }];
  }
  const urls = Deno.env.get("DIFF_OURS_URL");
  if (urls) {
    return urls.split(",").map((u, i) => ({
      name: `ours@${u.trim()}${i > 0 ? `#${i}` : ""}`,
      url: u.trim().replace(/\/$/, ""),
      stop: () => Promise.resolve(),
    }));
  }
  const launcherUrl = new URL("../helpers/server.ts", import.meta.url).href;
  let launcher: ServerLauncher;
  try {
    launcher = await import(launcherUrl) as ServerLauncher;
  } catch (err) {
    throw new Error(
      `cannot load our server's launcher test/helpers/server.ts (${(err as Error).message}); ` +
        `set DIFF_OURS_URL to compare etcd with an already running server`,
    );
  }
  const started: RunningServer[] = [];
  try {
    for (const runtime of launcher.runtimesUnderTest()) {
      const handle = await launcher.startServer({ runtime });
      started.push({ name: `ours-${runtime}`, url: handle.clientUrl.replace(/\/$/, ""), stop: () => handle.stop() });
    }
  } catch (err) {
    await Promise.all(started.map((s) => s.stop()));
    throw err;
  }
  return started;
}
