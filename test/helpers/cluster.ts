// Starts members of a cluster as real processes on loopback, each with the
// exact flags a seed tutorial gives, and finds leaders.

import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { resolve } from "node:path";
import { command, type Runtime } from "./server.ts";
import { waitFor } from "./ports.ts";

const root = resolve(new URL("../..", import.meta.url).pathname);

export class Member {
  proc: ChildProcess | null = null;
  out = "";
  private exited: Promise<number | null> = Promise.resolve(null);

  constructor(readonly name: string, public args: string[], readonly clientUrl: string, readonly cwd: string, readonly runtime: Runtime = "deno") {}

  start(): this {
    const [cmd, pre] = command(this.runtime);
    this.out = "";
    const p = spawn(cmd, [...pre, ...this.args], { cwd: this.cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    p.stdout!.on("data", (d) => (this.out += d));
    p.stderr!.on("data", (d) => (this.out += d));
    this.exited = new Promise((r) => p.once("exit", (code) => r(code)));
    this.proc = p;
    return this;
  }

  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Waits (bounded) for the process to exit on its own; returns its exit code. */
  async exitCode(timeoutMs = 15_000): Promise<number | null> {
    return await Promise.race([this.exited, new Promise<number | null>((_, rej) => setTimeout(() => rej(new Error(`${this.name} did not exit within ${timeoutMs} ms:\n${this.out}`)), timeoutMs))]);
  }

  /** Sends a signal straight to the process (node:child_process in Deno does not pass SIGSTOP/SIGCONT on). */
  signal(sig: "SIGSTOP" | "SIGCONT"): void {
    if (this.proc?.pid) Deno.kill(this.proc.pid, sig);
  }

  async kill(signal: "SIGKILL" | "SIGTERM" = "SIGKILL"): Promise<void> {
    if (!this.running) return;
    this.proc!.kill(signal);
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (this.running) {
      this.proc!.kill("SIGKILL");
      await this.exited;
    }
  }

  async healthy(timeoutMs = 20_000): Promise<void> {
    await waitFor(async () => {
      if (!this.running) throw new Error(`${this.name} exited: ${this.out}`);
      const r = await fetch(`${this.clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
      const j = await r.json();
      return j.health === "true";
    }, { timeoutMs, what: `${this.name} healthy at ${this.clientUrl}` });
  }
}

/**
 * `size` members founding one cluster with etcd 2.x flags, member i on
 * `${ipBase}.${i + 1}` (client :2379, peer :2380), named `${prefix}${i}`;
 * not started.
 */
export function newCluster(cwd: string, ipBase: string, prefix: string, extra: string[] = [], size = 3): Member[] {
  const ip = (i: number) => `${ipBase}.${i + 1}`;
  const ids = Array.from({ length: size }, (_, i) => i);
  const initial = ids.map((i) => `${prefix}${i}=http://${ip(i)}:2380`).join(",");
  return ids.map((i) =>
    new Member(`${prefix}${i}`, [
      "--name", `${prefix}${i}`, "--data-dir", `${prefix}${i}.etcd`,
      "--listen-peer-urls", `http://${ip(i)}:2380`, "--initial-advertise-peer-urls", `http://${ip(i)}:2380`,
      "--listen-client-urls", `http://${ip(i)}:2379`, "--advertise-client-urls", `http://${ip(i)}:2379`,
      "--initial-cluster", initial, ...extra,
    ], `http://${ip(i)}:2379`, cwd)
  );
}

export async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: any; text: string }> {
  const r = await fetch(url, { ...init, signal: AbortSignal.timeout(8000) });
  const text = await r.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch { /* text */ }
  return { status: r.status, body, text };
}

/** The leader's ID as the given members agree on it (bounded wait). */
export async function agreedLeader(members: Member[], timeoutMs = 20_000): Promise<string> {
  return await waitFor(async () => {
    const stats = await Promise.all(members.filter((m) => m.running).map(async (m) => (await json(`${m.clientUrl}/v2/stats/self`)).body));
    const ids = stats.map((s) => s?.leaderInfo?.leader ?? "");
    // The leader must be one of these members, and say so itself.
    const leads = stats.some((s) => s?.state === "StateLeader" && s.id === ids[0]);
    return ids.length > 0 && ids[0] !== "" && leads && ids.every((i) => i === ids[0]) ? ids[0] : null;
  }, { timeoutMs, what: "members to agree on a leader" });
}

export async function stopAll(members: Member[]): Promise<void> {
  await Promise.all(members.map((m) => m.kill("SIGKILL")));
}

export { root };
