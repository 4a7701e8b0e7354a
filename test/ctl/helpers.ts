// Running etcdctl-compatible clients in tests: our `etcd ctl` in-process
// (runCtl) or as a process, and Debian's etcdctl (v2 API) as a process;
// every run is bounded in time.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import process from "node:process";
import { runCtl } from "../../server/ctl/main.ts";
import { freePort, waitFor } from "../helpers/ports.ts";

export const ETCDCTL_BIN = "/usr/bin/etcdctl";
export const ETCDCTL_MISSING = `Debian's etcdctl not found at ${ETCDCTL_BIN}: install etcd-client (apt-get install etcd-client)`;
export const root = resolve(new URL("../..", import.meta.url).pathname);

export interface CtlRun {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  /** Extra environment (ETCDCTL_API defaults to "2"). */
  env?: Record<string, string>;
  stdin?: string;
  timeoutMs?: number;
}

/** A clean environment: no ETCDCTL_* leaking in from the test runner. */
export function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ETCDCTL_API: "2", ...extra };
}

/** Our client, in-process. `interrupt` plays Ctrl-C. */
export async function runOurs(args: string[], opts: RunOptions & { interrupt?: AbortSignal } = {}): Promise<CtlRun> {
  let stdout = "";
  let stderr = "";
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 20_000);
  const signal = opts.interrupt ? AbortSignal.any([opts.interrupt, timeout]) : timeout;
  const code = await runCtl(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: baseEnv(opts.env),
    stdin: () => Promise.resolve(opts.stdin ?? ""),
    signal,
  });
  if (timeout.aborted) throw new Error(`etcd ctl ${args.join(" ")} did not finish in time`);
  return { stdout, stderr, code };
}

export interface ProcessRun extends CtlRun {
  /** Exit signal, when killed by one. */
  signal: string | null;
}

/**
 * Runs a program to completion (bounded: SIGKILL after the timeout, which
 * fails the run). `interruptAfterMs` sends SIGINT first, as Ctrl-C would.
 */
export function runProcess(
  cmd: string,
  args: string[],
  opts: RunOptions & { interruptAfterMs?: number; interruptWhen?: (stdout: string) => boolean; argv0?: string } = {},
): Promise<ProcessRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env: baseEnv(opts.env), stdio: ["pipe", "pipe", "pipe"], argv0: opts.argv0, cwd: root });
    let stdout = "";
    let stderr = "";
    let interrupted = false;
    const interrupt = () => {
      if (interrupted) return;
      interrupted = true;
      // Not child.kill(): Deno's child_process then reports the signal as the
      // cause of exit even when the program handled it and exited normally.
      if (child.pid !== undefined) process.kill(child.pid, "SIGINT");
    };
    child.stdout.on("data", (d) => {
      stdout += d;
      if (opts.interruptWhen?.(stdout)) interrupt();
    });
    child.stderr.on("data", (d) => (stderr += d));
    child.stdin.on("error", () => {});
    child.stdin.end(opts.stdin ?? "");
    const timers: ReturnType<typeof setTimeout>[] = [];
    if (opts.interruptAfterMs !== undefined) timers.push(setTimeout(interrupt, opts.interruptAfterMs));
    const limit = opts.timeoutMs ?? 15_000;
    timers.push(setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${cmd} ${args.join(" ")} did not finish within ${limit} ms; stdout so far:\n${stdout}\nstderr:\n${stderr}`));
    }, limit));
    child.on("error", (err) => {
      timers.forEach(clearTimeout);
      reject(err);
    });
    child.on("close", (code, signal) => {
      timers.forEach(clearTimeout);
      resolvePromise({ stdout, stderr, code: code ?? -1, signal });
    });
  });
}

/** Debian's etcdctl with ETCDCTL_API=2. */
export function runEtcdctl(args: string[], opts: RunOptions & { interruptAfterMs?: number; interruptWhen?: (stdout: string) => boolean } = {}): Promise<ProcessRun> {
  if (!existsSync(ETCDCTL_BIN)) throw new Error(ETCDCTL_MISSING);
  return runProcess(ETCDCTL_BIN, args, opts);
}

/** Our client as a process: `deno run server/main.ts ctl …`, or `node dist/etcd.js ctl …`. */
export function runOursProcess(
  runtime: "deno" | "node",
  args: string[],
  opts: RunOptions & { interruptAfterMs?: number; interruptWhen?: (stdout: string) => boolean } = {},
): Promise<ProcessRun> {
  if (runtime === "deno") return runProcess(resolve(root, "node_modules/.bin/deno"), ["run", "-A", resolve(root, "server/main.ts"), "ctl", ...args], opts);
  const bundle = resolve(root, "dist/etcd.js");
  if (!existsSync(bundle)) throw new Error("dist/etcd.js is missing: run `npm run build` first");
  return runProcess(process.execPath.endsWith("deno") ? "node" : process.execPath, [bundle, "ctl", ...args], opts);
}

/** An http:// URL on which nothing listens. */
export async function deadEndpoint(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

/** Replaces every occurrence of each key by its value (longest keys first). */
export function substitute(text: string, map: Record<string, string>): string {
  const keys = Object.keys(map).filter((k) => k !== "").sort((a, b) => b.length - a.length);
  let out = text;
  for (const k of keys) out = out.split(k).join(map[k]);
  return out;
}

/** Timestamps differ from run to run: RFC 3339 times become <TIME>. */
export function maskTimes(text: string): string {
  return text.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})/g, "<TIME>");
}

/** Reads a member's ID and the cluster ID from the v2 API. */
export async function clusterIds(clientUrl: string): Promise<{ memberId: string; clusterId: string }> {
  const self = await fetch(`${clientUrl}/v2/stats/self`, { signal: AbortSignal.timeout(5000) });
  const { id } = await self.json();
  const head = await fetch(`${clientUrl}/v2/keys/`, { method: "HEAD", signal: AbortSignal.timeout(5000) });
  await head.body?.cancel();
  return { memberId: id, clusterId: head.headers.get("x-etcd-cluster-id") ?? "" };
}

/**
 * Waits (bounded) until every member lists client URLs: etcdctl syncs to
 * those, and a member publishes them a moment after /health turns true.
 */
export async function waitPublished(clientUrl: string): Promise<void> {
  await waitFor(async () => {
    const r = await fetch(`${clientUrl}/v2/members`, { signal: AbortSignal.timeout(2000) });
    const list = await r.json();
    return list.members.length > 0 && list.members.every((m: { clientURLs: string[] }) => m.clientURLs.length > 0);
  }, { timeoutMs: 20_000, what: `members of ${clientUrl} to publish their client URLs` });
}
