// Starting and stopping members of either system (real etcd 3.4 or ours)
// with the same flags on loopback. Every child is tracked so a crash of the
// harness still kills it (see killAll) and every data dir is removed.

import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";

export type System = "etcd" | "ours";

export interface Launcher {
  system: System;
  /** argv[0] and the arguments that come before the etcd flags. */
  command: string;
  prefix: string[];
}

export interface Member {
  system: System;
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  child: ChildProcess;
  /** performance.now() just before spawn, for cold-start timing. */
  spawnedAt: number;
}

const live = new Set<Member>();
const dirs = new Set<string>();

// Each member gets a fresh loopback address (127.0.30.2 … 127.0.39.251), so
// no member ever waits on a port left in TIME_WAIT by the previous one.
let nextSlot = 0;
function nextHost(): string {
  const n = nextSlot++;
  const third = 30 + Math.floor(n / 250) % 10;
  return `127.0.${third}.${(n % 250) + 2}`;
}

/** Hosts 127.0.<from>.2 … 127.0.<to>.251 in turn, for workloads that keep to their own range. */
export function hostRange(fromThird: number, toThird: number): () => string {
  let n = 0;
  const span = toThird - fromThird + 1;
  return () => {
    const i = n++;
    return `127.0.${fromThird + Math.floor(i / 250) % span}.${(i % 250) + 2}`;
  };
}

export interface MemberSpec {
  name: string;
  host: string;
  /** An existing data dir to start on (a restart); a fresh one when absent. */
  dataDir?: string;
}

export function planMembers(count: number): MemberSpec[] {
  return Array.from({ length: count }, (_, i) => ({ name: `m${i}`, host: nextHost() }));
}

export interface ClusterFlags {
  heartbeatMs: number;
  electionMs: number;
}

/** Starts every member of the plan (without waiting for readiness). */
export function spawnCluster(launcher: Launcher, plan: MemberSpec[], flags: ClusterFlags, logDir: string): Member[] {
  const token = `bench-${process.pid}-${nextSlot}`;
  const initialCluster = plan.map((m) => `${m.name}=http://${m.host}:2380`).join(",");
  return plan.map((m) => {
    const dataDir = m.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `bench-${launcher.system}-`));
    dirs.add(dataDir);
    const clientUrl = `http://${m.host}:2379`;
    const peerUrl = `http://${m.host}:2380`;
    const args = [
      ...launcher.prefix,
      "--name", m.name,
      "--data-dir", dataDir,
      "--listen-client-urls", clientUrl,
      "--advertise-client-urls", clientUrl,
      "--listen-peer-urls", peerUrl,
      "--initial-advertise-peer-urls", peerUrl,
      "--initial-cluster", initialCluster,
      "--initial-cluster-state", "new",
      "--initial-cluster-token", token,
      "--heartbeat-interval", String(flags.heartbeatMs),
      "--election-timeout", String(flags.electionMs),
    ];
    if (launcher.system === "etcd") args.push("--enable-v2", "--log-level", "warn");
    const log = fs.openSync(path.join(logDir, `${launcher.system}-${m.host}.log`), "a");
    const spawnedAt = performance.now();
    const child = spawn(launcher.command, args, { stdio: ["ignore", log, log] });
    fs.closeSync(log);
    const member: Member = { system: launcher.system, name: m.name, clientUrl, peerUrl, dataDir, child, spawnedAt };
    live.add(member);
    return member;
  });
}

/** A bounded GET; resolves to the status (0 on network error or timeout). */
export async function probe(url: string, timeoutMs: number, init: RequestInit = {}): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  } catch {
    return { status: 0, body: "" };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls until GET /v2/keys/ answers 200; returns ms from spawn to that answer.
 * The poll interval is short (2 ms) because this is the cold-start figure.
 */
export async function waitReady(m: Member, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (m.child.exitCode !== null) throw new Error(`${m.system} ${m.name} exited with ${m.child.exitCode}`);
    const { status } = await probe(`${m.clientUrl}/v2/keys/`, 500);
    if (status === 200) return performance.now() - m.spawnedAt;
    await sleep(2);
  }
  throw new Error(`${m.system} ${m.name} not ready after ${timeoutMs} ms`);
}

/** The member that reports itself leader in /v2/stats/self, waiting for one. */
export async function findLeader(members: Member[], timeoutMs: number): Promise<Member> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    for (const m of members) {
      if (m.child.exitCode !== null || m.child.signalCode !== null) continue;
      const { status, body } = await probe(`${m.clientUrl}/v2/stats/self`, 500);
      if (status === 200 && body.includes('"StateLeader"')) return m;
    }
    await sleep(20);
  }
  throw new Error(`no leader among ${members.map((m) => m.name).join(",")} after ${timeoutMs} ms`);
}

/** Sends a signal and waits (bounded) for the process to go. */
export async function stopMember(m: Member, signal: "SIGTERM" | "SIGKILL" = "SIGTERM", timeoutMs = 5000): Promise<void> {
  if (m.child.exitCode === null && m.child.signalCode === null) {
    const gone = new Promise<void>((r) => m.child.once("exit", () => r()));
    m.child.kill(signal);
    const ok = await Promise.race([gone.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!ok) {
      m.child.kill("SIGKILL");
      await Promise.race([gone, sleep(2000)]);
    }
  }
  live.delete(m);
}

export async function stopCluster(members: Member[]): Promise<void> {
  await Promise.all(members.map((m) => stopMember(m)));
  for (const m of members) removeDir(m.dataDir);
}

function removeDir(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch { /* best effort at cleanup */ }
  dirs.delete(dir);
}

/** Last-resort cleanup: SIGKILL every child still alive, remove every dir. */
export function killAll(): void {
  for (const m of live) {
    try {
      m.child.kill("SIGKILL");
    } catch { /* already gone */ }
  }
  live.clear();
  for (const d of [...dirs]) removeDir(d);
}
