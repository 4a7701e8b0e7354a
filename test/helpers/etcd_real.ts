// Starts the real etcd 3.4 (the Debian package) as the oracle for
// differential tests. Single member, v2 API enabled, fresh temp data dir.
import { existsSync } from "node:fs";
import { freePort, waitFor } from "./ports.ts";

export const ETCD_BIN = "/usr/bin/etcd";

export interface RealEtcd {
  clientUrl: string;
  stop(): Promise<void>;
}

/** True when the etcd binary is installed, so suites can fail loudly otherwise. */
export function etcdAvailable(): boolean {
  return existsSync(ETCD_BIN);
}

/** The message a suite should fail with when etcd is missing. */
export const ETCD_MISSING =
  `real etcd not found at ${ETCD_BIN}: install etcd-server (apt-get install etcd-server etcd-client)`;

const START_TIMEOUT_MS = 15_000;
const LOG_TAIL_LINES = 40;

export async function startRealEtcd(): Promise<RealEtcd> {
  if (!etcdAvailable()) throw new Error(ETCD_MISSING);
  // A port picked by freePort can be grabbed by someone else before etcd
  // binds it; one retry with new ports covers that race.
  try {
    return await startOnce();
  } catch (err) {
    if (err instanceof EarlyExit) return await startOnce();
    throw err;
  }
}

class EarlyExit extends Error {}

async function startOnce(): Promise<RealEtcd> {
  const clientPort = await freePort();
  const peerPort = await freePort();
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const dataDir = await Deno.makeTempDir({ prefix: "etcd-real-" });

  const child = new Deno.Command(ETCD_BIN, {
    args: [
      "--enable-v2",
      "--name",
      "diff",
      "--data-dir",
      dataDir,
      "--listen-client-urls",
      clientUrl,
      "--advertise-client-urls",
      clientUrl,
      "--listen-peer-urls",
      peerUrl,
      "--initial-advertise-peer-urls",
      peerUrl,
      "--initial-cluster",
      `diff=${peerUrl}`,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();

  // etcd logs to stderr; drain it (a full pipe would block etcd) and keep
  // the tail for the error message if it fails to start.
  const tail: string[] = [];
  const drained = (async () => {
    const lines = child.stderr.pipeThrough(new TextDecoderStream());
    let partial = "";
    for await (const chunk of lines) {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) {
        tail.push(line);
        if (tail.length > LOG_TAIL_LINES) tail.shift();
      }
    }
  })().catch(() => {});

  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      if (!exited) {
        try {
          child.kill("SIGKILL");
        } catch {
          // already gone
        }
      }
      await status;
      await drained;
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    })();
    return stopped;
  };

  let outcome: "up" | "exited";
  try {
    outcome = await waitFor(async () => {
      if (exited) return "exited" as const;
      const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
      const body = await res.text();
      return res.ok && body.includes('"true"') && ("up" as const);
    }, { timeoutMs: START_TIMEOUT_MS, intervalMs: 100, what: `real etcd /health at ${clientUrl}` });
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\netcd log tail:\n${tail.join("\n")}`);
  }
  if (outcome === "exited") {
    await stop();
    throw new EarlyExit(`etcd exited during startup:\n${tail.join("\n")}`);
  }
  return { clientUrl, stop };
}
