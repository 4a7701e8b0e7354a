// Shared by the hostile-input tests: one member (or three) of either runtime
// on the loopback addresses these tests own, and the "still serves correct
// answers" check every case ends with.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Member } from "../helpers/cluster.ts";
import type { Runtime } from "../helpers/server.ts";

export interface Single {
  member: Member;
  host: string;
  clientPort: number;
  peerPort: number;
  clientUrl: string;
  dir: string;
  close(): Promise<void>;
}

/** One member listening on `host` (client :2379, peer :2380), healthy, with a canary key. */
export async function startSingle(runtime: Runtime, host: string): Promise<Single> {
  const dir = mkdtempSync(join(tmpdir(), "etcd-hostile-"));
  const peer = `http://${host}:2380`;
  const clientUrl = `http://${host}:2379`;
  const member = new Member("h0", [
    "--name", "h0", "--data-dir", "h0.etcd",
    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
    "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
    "--initial-cluster", `h0=${peer}`,
  ], clientUrl, dir, runtime).start();
  await member.healthy(30_000);
  await putCanary(clientUrl);
  return {
    member, host, clientPort: 2379, peerPort: 2380, clientUrl, dir,
    async close() {
      await member.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
