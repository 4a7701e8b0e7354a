// Runs one member of our server with given flags and talks to it over
// https with chosen certificates (node:https, so the test controls the
// client certificate on either runtime).

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import https from "node:https";
import { command, type Runtime } from "../helpers/server.ts";
import { waitFor } from "../helpers/ports.ts";

export interface Member {
  output(): string;
  exitCode(): number | null;
  /** Resolves with the exit code, or null if still running after ms. */
  exited(ms: number): Promise<number | null>;
  stop(): Promise<void>;
}

export function startMember(runtime: Runtime, args: string[]): Member {
  const [cmd, pre] = command(runtime);
  const proc: ChildProcess = spawn(cmd, [...pre, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...Deno.env.toObject(), NO_COLOR: "1" } });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const done = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  const exited = (ms: number) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([done, new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)))]).finally(() => clearTimeout(timer));
  };
  return {
    output: () => out,
    exitCode: () => proc.exitCode,
    exited,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      if ((await exited(5000)) === null && proc.exitCode === null) {
        proc.kill("SIGKILL");
        await exited(5000);
      }
    },
  };
}

export interface ClientFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One https request; rejects on TLS or connection failure. */
export function request(url: string, files: ClientFiles, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const read = (p?: string) => (p ? readFileSync(p, "utf8") : undefined);
  return new Promise((resolve, reject) => {
    const req = https.request(url, {
      method: init.method ?? "GET",
      headers: { ...(init.body ? { "content-type": "application/x-www-form-urlencoded" } : {}), ...init.headers },
      ca: read(files.ca),
      cert: read(files.cert),
      key: read(files.key),
      agent: false,
      timeout: 5000,
    }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`${url}: timed out`)));
    req.on("error", reject);
    req.end(init.body);
  });
}

/** Waits (bounded) until the member answers /health over https with these files. */
export async function waitHealthy(m: Member, url: string, files: ClientFiles, timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => {
    if (m.exitCode() !== null) throw new Error(`member exited with ${m.exitCode()}: ${m.output()}`);
    const r = await request(url + "/health", files).catch(() => null);
    return r?.status === 200;
  }, { timeoutMs, intervalMs: 100, what: `healthy member at ${url}` });
}

// How curl reports a handshake the server refused: TLS 1.3 reports the
// server's alert on the first read (or, from Deno's node:https server,
// sometimes just a closed or reset connection), TLS 1.2 during the handshake.
export const REFUSED = /alert (certificate required|bad certificate|unknown ca|handshake failure)|Empty reply|unexpected eof|Connection reset/i;

export interface CurlRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function curl(...args: string[]): CurlRun {
  const r = spawnSync("curl", ["-sS", "--max-time", "5", ...args], { encoding: "utf8", timeout: 10_000 });
  if (r.error) throw new Error(`curl: ${r.error.message}`);
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
