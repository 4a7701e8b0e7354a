// Three-member clusters for the module tests (each test file on its own
// loopback addresses and ports), and small clients of the modules' API.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agreedLeader, json, Member, stopAll } from "../helpers/cluster.ts";
import { call, type Reply } from "../helpers/http.ts";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Cluster {
  members: Member[];
  /** Client URL of a random running member. */
  any(): string;
  /** The member Raft elected, as all running members agree on it. */
  leader(): Promise<Member>;
  close(): Promise<void>;
}

/** Three members on `${base}.1`–`${base}.3`, client port `port`, peer port `port + 1`. */
export async function startThree(base: string, port: number): Promise<Cluster> {
  const cwd = mkdtempSync(join(tmpdir(), "modules-cluster-"));
  const ip = (i: number) => `${base}.${i + 1}`;
  const peer = (i: number) => `http://${ip(i)}:${port + 1}`;
  const client = (i: number) => `http://${ip(i)}:${port}`;
  const initial = [0, 1, 2].map((i) => `m${i}=${peer(i)}`).join(",");
  const token = `modules-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;
  const members = [0, 1, 2].map((i) =>
    new Member(
      `m${i}`,
      [
        "--name",
        `m${i}`,
        "--data-dir",
        `m${i}.etcd`,
        "--listen-peer-urls",
        peer(i),
        "--initial-advertise-peer-urls",
        peer(i),
        "--listen-client-urls",
        client(i),
        "--advertise-client-urls",
        client(i),
        "--initial-cluster",
        initial,
        // A token of its own: a cluster of an earlier test on the same
        // addresses, still shutting down, then has other member IDs.
        "--initial-cluster-token",
        token,
        "--heartbeat-interval",
        "50",
        "--election-timeout",
        "500",
      ],
      client(i),
      cwd,
    )
  );
  try {
    for (const m of members) m.start();
    await Promise.all(members.map((m) => m.healthy()));
  } catch (err) {
    await stopAll(members);
    rmSync(cwd, { recursive: true, force: true });
    throw err;
  }
  return {
    members,
    any() {
      const up = members.filter((m) => m.running);
      return up[Math.floor(Math.random() * up.length)].clientUrl;
    },
    async leader() {
      const up = members.filter((m) => m.running);
      const id = await agreedLeader(up);
      const list = (await json(`${up[0].clientUrl}/v2/members`)).body
        .members as { id: string; name: string }[];
      return members.find((m) =>
        m.name === list.find((x) => x.id === id)!.name
      )!;
    },
    async close() {
      await stopAll(members);
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

/** POST a lock (blocks until held); the long wait is the point, so the client waits up to `timeoutMs`. */
export function acquire(
  base: string,
  name: string,
  form: Record<string, string>,
  timeoutMs = 30_000,
): Promise<Reply> {
  const q = new URLSearchParams(form).toString();
  return call("POST", `${base}/mod/v2/lock/${name}?${q}`, undefined, {
    timeoutMs,
  });
}

export function release(
  base: string,
  name: string,
  index: string,
): Promise<Reply> {
  return call("DELETE", `${base}/mod/v2/lock/${name}?index=${index}`);
}

/** Indexes in a lock's queue, read linearizably through the keys API. */
export async function queueOf(base: string, dir: string): Promise<number[]> {
  const r = await call(
    "GET",
    `${base}/v2/keys/_etcd/mod/${dir}?sorted=true&quorum=true`,
  );
  if (r.status === 404) return [];
  return (r.json.node.nodes ?? []).map((n: { createdIndex: number }) =>
    n.createdIndex
  );
}

/** Polls `fn` until it returns true, failing after `ms`. */
export async function until(
  what: string,
  ms: number,
  fn: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await fn()) return;
    } catch { /* a member may be down or electing: try again */ }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    }
    await sleep(30);
  }
}

/** Whether a promise has settled yet, without waiting for it. */
export async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  await sleep(0);
  return done;
}
