// The peer-facing app: raft messages between members, the member list that
// joining members read, and etcd 0.2's join.

import { Hono } from "hono";
import type { V2Member } from "../../shared/api.ts";
import type { Message } from "../raft/mod.ts";
import { MAX_STREAM_LINE, STREAM_PATH } from "../cluster/peer_stream.ts";
import { versionInfo } from "./admin_reads.ts";
import { jsonResponse } from "./responses.ts";

export interface PeerBackend {
  readonly clusterId: string;
  readonly memberId: string;
  members(): V2Member[];
  receive(msgs: Message[], fromCluster: string | null, from: string | null): void;
  join(name: string, peerURLs: string[], clientURLs: string[]): Promise<V2Member>;
  updateMember(id: string, peerURLs: string[]): Promise<void>;
}

/** Largest raft batch we accept (snapshots of big keyspaces travel in one). */
const MAX_RAFT_BODY = 512 * 1024 * 1024;

/**
 * Highest term a peer may send. Terms count elections, so a term this large
 * is forged; one near 2^53 would wedge the cluster (no later election's term
 * could be represented), so it is refused before raft sees it.
 */
export const MAX_PEER_TERM = 2 ** 48;

/** Why a batch must be refused before raft sees it, or null. */
function forgedTerm(msgs: unknown[]): string | null {
  for (const m of msgs) {
    if (typeof m !== "object" || m === null || Array.isArray(m)) return "each raft message must be a JSON object";
    const term = (m as { term?: unknown }).term;
    if (typeof term === "number" && term > MAX_PEER_TERM) return `raft message term ${term} is beyond ${MAX_PEER_TERM}`;
  }
  return null;
}

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
      const forged = forgedTerm(msgs);
      if (forged) throw new Error(forged);
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
  app.post(STREAM_PATH, (c) => receiveStream(b, c.req.raw, cid()));
  const inbound = new SnapshotAssembler();
  app.post("/raft/snapshot", async (c) => {
    const id = c.req.query("id") ?? "";
    const offset = Number(c.req.query("offset"));
    const total = Number(c.req.query("total"));
    if (!id || !Number.isSafeInteger(offset) || !Number.isSafeInteger(total) || offset < 0 || total < 0 || total > MAX_RAFT_BODY) {
      return jsonResponse({ message: "snapshot chunk: id, offset and total are required" }, 400, cid());
    }
    const from = c.req.header("x-server-from") ?? null;
    const cluster = c.req.header("x-etcd-cluster-id") ?? null;
    try {
      const head = c.req.header("x-raft-message");
      const headMsg = head ? JSON.parse(decodeURIComponent(head)) : undefined;
      const forged = headMsg ? forgedTerm([headMsg]) : null;
      if (forged) throw new Error(forged);
      const msg = inbound.add(id, offset, total, await c.req.text(), headMsg);
      if (msg) b.receive([msg], cluster, from);
    } catch (err) {
      const status = (err as { status?: number }).status ?? 400;
      return jsonResponse({ message: (err as Error).message }, status, cid());
    }
    return new Response(null, { status: 204, headers: cid() });
  });
  // A member restarted at a new peer address asks a reachable member to record it.
  app.post("/members/update", async (c) => {
    let req: { id?: unknown; peerURLs?: unknown };
    try {
      req = await c.req.json();
    } catch {
      return jsonResponse({ message: "body must be JSON {id, peerURLs}" }, 400, cid());
    }
    if (c.req.header("x-etcd-cluster-id") !== b.clusterId) return jsonResponse({ message: "cluster ID mismatch" }, 412, cid());
    if (typeof req.id !== "string" || !isUrlList(req.peerURLs)) return jsonResponse({ message: "body must be JSON {id, peerURLs}" }, 400, cid());
    try {
      await b.updateMember(req.id, req.peerURLs);
      return new Response(null, { status: 204, headers: cid() });
    } catch (err) {
      const status = (err as { status?: number }).status ?? 500;
      return jsonResponse({ message: (err as Error).message }, status, cid());
    }
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

/** Streams from peers being read, so a stopping member can end them (they would hold its listeners open). */
const openStreams = new Set<ReadableStreamDefaultReader<Uint8Array>>();

export function closePeerStreams(): void {
  for (const r of openStreams) r.cancel().catch(() => {});
  openStreams.clear();
}

/**
 * A peer's stream of raft batches (see cluster/peer_stream.ts): one JSON
 * array per line, stepped as each line arrives. The answer goes out only
 * when the stream ends: 204, or the error that ended it.
 */
async function receiveStream(b: PeerBackend, req: Request, headers: Record<string, string>): Promise<Response> {
  const cluster = req.headers.get("x-etcd-cluster-id");
  const from = req.headers.get("x-server-from");
  try {
    // Refuse another cluster's or a removed member's stream before reading it.
    b.receive([], cluster, from);
  } catch (err) {
    return jsonResponse({ message: (err as Error).message }, (err as { status?: number }).status ?? 400, headers);
  }
  if (!req.body) return jsonResponse({ message: "raft stream: no body" }, 400, headers);
  const reader = req.body.getReader();
  openStreams.add(reader);
  const decoder = new TextDecoder();
  // The line so far, in pieces: only new text is searched for its end.
  const pieces: string[] = [];
  let pendingLength = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      let start = 0;
      let nl: number;
      while ((nl = text.indexOf("\n", start)) !== -1) {
        pieces.push(text.slice(start, nl));
        const line = pieces.length === 1 ? pieces[0] : pieces.join("");
        pieces.length = 0;
        pendingLength = 0;
        start = nl + 1;
        if (line === "") continue;
        let msgs: unknown;
        try {
          msgs = JSON.parse(line);
        } catch (err) {
          return jsonResponse({ message: `malformed raft message: ${(err as Error).message}` }, 400, headers);
        }
        if (!Array.isArray(msgs)) return jsonResponse({ message: "malformed raft message: expected a JSON array of raft messages" }, 400, headers);
        const forged = forgedTerm(msgs);
        if (forged) return jsonResponse({ message: `malformed raft message: ${forged}` }, 400, headers);
        b.receive(msgs as Message[], cluster, from);
      }
      if (start < text.length) {
        pieces.push(start === 0 ? text : text.slice(start));
        pendingLength += text.length - start;
      }
      if (pendingLength > MAX_STREAM_LINE) return jsonResponse({ message: "raft message too large" }, 413, headers);
    }
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status) return jsonResponse({ message: (err as Error).message }, status, headers);
    // The connection broke (or we are stopping): nobody is left to answer.
  } finally {
    openStreams.delete(reader);
    reader.cancel().catch(() => {});
  }
  return new Response(null, { status: 204, headers });
}

/** Reassembles snapshot data sent in chunks; drops transfers idle for a minute. */
class SnapshotAssembler {
  private transfers = new Map<string, { msg?: Message; parts: string[]; received: number; total: number; touched: number }>();

  add(id: string, offset: number, total: number, chunk: string, head?: Message): Message | null {
    const now = Date.now();
    for (const [k, t] of this.transfers) if (now - t.touched > 60_000) this.transfers.delete(k);
    let t = this.transfers.get(id);
    if (!t) {
      if (offset !== 0) throw new Error(`snapshot chunk for unknown transfer ${id}`);
      this.transfers.set(id, (t = { parts: [], received: 0, total, touched: now }));
    }
    if (offset !== t.received || total !== t.total) throw new Error(`snapshot chunk out of order: expected offset ${t.received}`);
    if (head) {
      if (head.type !== "snap" || !head.snapshot) throw new Error("snapshot transfer must start with a snap message");
      t.msg = head;
    }
    t.parts.push(chunk);
    t.received += chunk.length;
    t.touched = now;
    if (t.received < t.total) return null;
    this.transfers.delete(id);
    if (!t.msg) throw new Error("snapshot transfer without its message");
    t.msg.snapshot = { metadata: t.msg.snapshot!.metadata, data: t.parts.join("") };
    return t.msg;
  }
}

export function isUrlList(v: unknown): v is string[] {
  return Array.isArray(v) && v.length > 0 && v.every((u) => typeof u === "string" && /^https?:\/\/[^/]+$/.test(u.replace(/\/$/, "")));
}
