// The peer-facing app: raft messages between members, the member list that
// joining members read, and etcd 0.2's join.

import { Hono } from "hono";
import type { V2Member } from "../../shared/api.ts";
import type { Message } from "../raft/mod.ts";
import { versionInfo } from "./admin.ts";
import { jsonResponse } from "./responses.ts";

export interface PeerBackend {
  readonly clusterId: string;
  readonly memberId: string;
  members(): V2Member[];
  receive(msgs: Message[], fromCluster: string | null, from: string | null): void;
  join(name: string, peerURLs: string[], clientURLs: string[]): Promise<V2Member>;
}

/** Largest raft batch we accept (snapshots of big keyspaces travel in one). */
const MAX_RAFT_BODY = 512 * 1024 * 1024;

export function createPeerApp(b: PeerBackend): Hono {
  const app = new Hono();
  const cid = () => ({ "X-Etcd-Cluster-Id": b.clusterId });
  app.get("/members", () => jsonResponse(b.members(), 200, cid()));
  app.get("/version", () => jsonResponse(versionInfo));
  app.post("/raft", async (c) => {
    const len = Number(c.req.header("content-length") ?? "0");
    if (len > MAX_RAFT_BODY) return jsonResponse({ message: "raft message too large" }, 413, cid());
    let msgs: Message[];
    try {
      msgs = JSON.parse(await c.req.text());
      if (!Array.isArray(msgs)) throw new Error("expected a JSON array of raft messages");
    } catch (err) {
      return jsonResponse({ message: `malformed raft message: ${(err as Error).message}` }, 400, cid());
    }
    try {
      b.receive(msgs, c.req.header("x-etcd-cluster-id") ?? null, c.req.header("x-server-from") ?? null);
    } catch (err) {
      const status = (err as { status?: number }).status ?? 400;
      return jsonResponse({ message: (err as Error).message }, status, cid());
    }
    return new Response(null, { status: 204, headers: cid() });
  });
  app.post("/join", async (c) => {
    let req: { name?: unknown; peerURLs?: unknown; clientURLs?: unknown };
    try {
      req = await c.req.json();
    } catch {
      return jsonResponse({ message: "join: body must be JSON {name, peerURLs, clientURLs}" }, 400);
    }
    const { name, peerURLs, clientURLs } = req;
    if (typeof name !== "string" || !name || !isUrlList(peerURLs) || !isUrlList(clientURLs)) {
      return jsonResponse({ message: "join: body must be JSON {name, peerURLs, clientURLs}" }, 400);
    }
    try {
      const m = await b.join(name, peerURLs, clientURLs);
      return jsonResponse({ clusterId: b.clusterId, memberId: m.id, members: b.members() }, 200, cid());
    } catch (err) {
      const status = (err as { status?: number }).status ?? 500;
      return jsonResponse({ message: (err as Error).message }, status, cid());
    }
  });
  app.notFound(() => jsonResponse({ message: "404 page not found" }, 404));
  return app;
}

export function isUrlList(v: unknown): v is string[] {
  return Array.isArray(v) && v.length > 0 && v.every((u) => typeof u === "string" && /^https?:\/\/[^/]+$/.test(u.replace(/\/$/, "")));
}
