// Shared by the hostile-input tests: one member (or three) of either runtime
// on the loopback addresses these tests own, and the "still serves correct
// answers" check every case ends with.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import process from "node:process";
import { Member } from "../helpers/cluster.ts";
import { StopWaiting, waitFor } from "../helpers/ports.ts";
import { command, type Runtime } from "../helpers/server.ts";

export interface Single {
  /** Still running (not crashed). */
  alive(): boolean;
  output(): string;
  host: string;
  clientPort: number;
  peerPort: number;
  clientUrl: string;
  dir: string;
  close(): Promise<void>;
}

/**
 * One member listening on `host` (client :2379, peer :2380), healthy, with a
 * canary key. `fdLimit` starts it under `ulimit -n` (to run it out of descriptors).
 */
export async function startSingle(runtime: Runtime, host: string, fdLimit?: number): Promise<Single> {
  const dir = mkdtempSync(join(tmpdir(), "etcd-hostile-"));
  const peer = `http://${host}:2380`;
  const clientUrl = `http://${host}:2379`;
  const args = [
    "--name", "h0", "--data-dir", "h0.etcd",
    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
    "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
    "--initial-cluster", `h0=${peer}`,
  ];
  const [cmd, pre] = command(runtime);
  const proc = fdLimit === undefined
    ? spawn(cmd, [...pre, ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } })
    : spawn("bash", ["-c", `ulimit -n ${fdLimit} && exec "$0" "$@"`, cmd, ...pre, ...args], {
      cwd: dir, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" },
    });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  const close = async () => {
    if (alive()) proc.kill("SIGKILL");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => {
      if (!alive()) throw new StopWaiting(`member exited: ${out}`);
      const r = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
      return (await r.json()).health === "true";
    }, { timeoutMs: 30_000, what: `${runtime} member on ${clientUrl}` });
    await putCanary(clientUrl);
  } catch (err) {
    await close();
    throw err;
  }
  return { alive, output: () => out, host, clientPort: 2379, peerPort: 2380, clientUrl, dir, close };
}


export const CANARY = "/hostile/canary";
export const CANARY_VALUE = "still here";

export async function putCanary(clientUrl: string): Promise<void> {
  const r = await fetch(`${clientUrl}/v2/keys${CANARY}`, {
    method: "PUT",
    body: new URLSearchParams({ value: CANARY_VALUE }),
    signal: AbortSignal.timeout(10_000),
  });
  await r.body?.cancel();
  assert.ok(r.status === 200 || r.status === 201, `canary write: ${r.status}`);
}

let serial = 0;

/** The member answers: the canary is intact and a fresh write reads back. */
export async function assertServes(clientUrl: string, what: string): Promise<void> {
  const get = await fetch(`${clientUrl}/v2/keys${CANARY}`, { signal: AbortSignal.timeout(10_000) });
  const body = await get.json();
  assert.equal(get.status, 200, `after ${what}: canary read ${get.status}`);
  assert.equal(body.node?.value, CANARY_VALUE, `after ${what}: canary value`);
  const value = `v${++serial}-${Date.now()}`;
  const put = await fetch(`${clientUrl}/v2/keys/hostile/fresh`, {
    method: "PUT",
    body: new URLSearchParams({ value }),
    signal: AbortSignal.timeout(10_000),
  });
  await put.body?.cancel();
  assert.ok(put.status === 200 || put.status === 201, `after ${what}: fresh write ${put.status}`);
  const back = await (await fetch(`${clientUrl}/v2/keys/hostile/fresh?quorum=true`, { signal: AbortSignal.timeout(10_000) })).json();
  assert.equal(back.node?.value, value, `after ${what}: fresh read`);
}

/** An etcd v2 error body: {errorCode, message, cause?, index}. */
export function assertEtcdError(body: unknown, code: number, what: string): void {
  const b = body as { errorCode?: unknown; message?: unknown; index?: unknown } | undefined;
  assert.ok(b && typeof b === "object", `${what}: expected an etcd JSON error body, got ${JSON.stringify(body)}`);
  assert.equal(b.errorCode, code, `${what}: errorCode in ${JSON.stringify(body)}`);
  assert.equal(typeof b.message, "string", `${what}: message`);
  assert.equal(typeof b.index, "number", `${what}: index`);
}

/** Three members founding a cluster on `${ipBase}.1..3` (client :2379, peer :2380), started and healthy. */
export async function startTrio(runtime: Runtime, ipBase: string): Promise<{ members: Member[]; dir: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "etcd-hostile-trio-"));
  const ip = (i: number) => `${ipBase}.${i + 1}`;
  const initial = [0, 1, 2].map((i) => `p${i}=http://${ip(i)}:2380`).join(",");
  const members = [0, 1, 2].map((i) =>
    new Member(`p${i}`, [
      "--name", `p${i}`, "--data-dir", `p${i}.etcd`,
      "--listen-peer-urls", `http://${ip(i)}:2380`, "--initial-advertise-peer-urls", `http://${ip(i)}:2380`,
      "--listen-client-urls", `http://${ip(i)}:2379`, "--advertise-client-urls", `http://${ip(i)}:2379`,
      "--initial-cluster", initial,
    ], `http://${ip(i)}:2379`, dir, runtime)
  );
  const close = async () => {
    await Promise.all(members.map((m) => m.kill("SIGKILL")));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const m of members) m.start();
    await Promise.all(members.map((m) => m.healthy(30_000)));
  } catch (err) {
    await close();
    throw err;
  }
  return { members, dir, close };
}
