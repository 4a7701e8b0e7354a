// Starts real processes of our server on loopback for integration tests,
// under Deno (from source) or Node (the bundled dist/etcd.js).

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { freePort, waitFor } from "./ports.ts";

export type Runtime = "deno" | "node";

export interface ServerHandle {
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  runtime: Runtime;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGTERM, wait (bounded) for exit. */
  stop(): Promise<void>;
  /** SIGKILL, wait for exit. */
  kill(): Promise<void>;
  /** Start again with the same ports, data dir and arguments. */
  restart(): Promise<void>;
  exitCode(): number | null;
}

export interface StartOptions {
  runtime?: Runtime;
  /** Extra flags; by default the member is named "test" with fresh ports and data dir. */
  args?: string[];
  dataDir?: string;
  /** Replace the generated flags entirely (ports, name, data dir). */
  rawArgs?: string[];
  env?: Record<string, string>;
  /** Wait for /health (default true). */
  waitReady?: boolean;
}

const root = resolve(new URL("../..", import.meta.url).pathname);

export function runtimesUnderTest(): Runtime[] {
  const env = process.env.ETCD_TEST_RUNTIMES;
  if (env) return env.split(",").map((s) => s.trim()).filter(Boolean) as Runtime[];
  return ["deno", "node"];
}

export function command(runtime: Runtime): [string, string[]] {
  if (process.env.ETCD_TEST_BINARY) return [process.env.ETCD_TEST_BINARY, []];
  if (runtime === "deno") return [join(root, "node_modules/.bin/deno"), ["run", "-A", join(root, "server/main.ts")]];
  const bundle = join(root, "dist/etcd.js");
  if (!existsSync(bundle)) throw new Error("dist/etcd.js is missing: run `npm run build` first");
  return [process.execPath.endsWith("deno") ? "node" : process.execPath, [bundle]];
}

export function tempDir(prefix = "etcd-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startServer(opts: StartOptions = {}): Promise<ServerHandle> {
  const runtime = opts.runtime ?? runtimesUnderTest()[0];
  const clientPort = await freePort();
  const peerPort = await freePort();
  const dataDir = opts.dataDir ?? join(tempDir(), "data");
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const args = opts.rawArgs ?? [
    "--name", "test",
    "--data-dir", dataDir,
    "--listen-client-urls", clientUrl,
    "--advertise-client-urls", clientUrl,
    "--listen-peer-urls", peerUrl,
    "--initial-advertise-peer-urls", peerUrl,
    "--initial-cluster", `test=${peerUrl}`,
    ...(opts.args ?? []),
  ];
  let proc: ChildProcess;
  let out = "";
  let exited: Promise<void>;
  const launch = async () => {
    const [cmd, pre] = command(runtime);
    proc = spawn(cmd, [...pre, ...args], {
      cwd: root,
      env: { ...process.env, ...opts.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    proc.stdout!.on("data", (d) => (out += d));
    proc.stderr!.on("data", (d) => (out += d));
    exited = new Promise((r) => proc.once("exit", () => r()));
    if (opts.waitReady === false) return;
    await waitFor(async () => {
      if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}: ${out}`);
      const r = await fetch(`${clientUrl}/health`);
      await r.body?.cancel();
      return r.ok;
    }, { timeoutMs: 30_000, intervalMs: 50, what: `${runtime} server on ${clientUrl}` }).catch((err) => {
      proc.kill("SIGKILL");
      throw err;
    });
  };
  const waitExit = async (ms: number) => {
    await Promise.race([exited, new Promise((r) => setTimeout(r, ms))]);
  };
  await launch();
  const handle: ServerHandle = {
    clientUrl,
    peerUrl,
    dataDir,
    runtime,
    output: () => out,
    exitCode: () => proc.exitCode,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      await waitExit(10_000);
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGKILL");
        await waitExit(5_000);
      }
    },
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGKILL");
      await waitExit(5_000);
    },
    async restart() {
      await handle.stop();
      await launch();
    },
  };
  return handle;
}

/** Removes a data dir created by startServer (best effort). */
export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
