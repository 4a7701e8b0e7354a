// Seeded generators of hostile requests: valid etcd v2 keys requests and raft
// message batches, mutated (methods, paths, query parameters, form bodies,
// headers, framing), plus some plain random bytes. The same seed always
// yields the same requests, so a failing fuzz run can be replayed.

import { Buffer } from "node:buffer";
import type { Rng } from "./rng.ts";

/** Keys the client generator builds paths from; the fuzz model lives elsewhere, out of its reach. */
const SEGMENTS = ["fz", "a", "b", "dir", "x y", "ü", "%2F", "%2E%2E", "..", ".", "", "%00", "%zz", "%", "k".repeat(300)];
const METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD", "PUT", "GET", "PATCH", "OPTIONS", "TRACE", "BREW", "get", "PUT ", "CONNECT"];
const PARAMS = ["value", "ttl", "prevValue", "prevIndex", "prevExist", "dir", "recursive", "sorted", "quorum", "refresh", "noValueOnSuccess", "waitIndex", "stream", "consistent"];
const VALUES = ["1", "0", "true", "false", "t", "-1", "abc", "", "1.5", "99999999999999999999", "%zz", "%", "=", "&", "\u00ff", "a".repeat(2000), "%E2%82", "+", "1e3", "0x10", " 1"];
const CONTENT_TYPES = ["application/x-www-form-urlencoded", "application/json", "text/plain", "application/x-www-form-urlencoded; charset=utf-8", "", "multipart/form-data; boundary=x"];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)];
}

function randomBytes(rng: Rng, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(rng.int(256));
  return s;
}

function form(rng: Rng): string {
  const n = rng.int(4);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    // `wait` is left out: a valid long poll would just hold the connection.
    const k = rng.next() < 0.9 ? pick(rng, PARAMS) : randomBytes(rng, 1 + rng.int(5));
    parts.push(rng.next() < 0.1 ? k : `${k}=${pick(rng, VALUES)}`);
  }
  return parts.join(rng.next() < 0.95 ? "&" : "&&");
}

/** One raw HTTP/1.1 request for the client port (latin1 string), under /v2/keys/fz mostly. */
export function clientRequest(rng: Rng): string {
  if (rng.next() < 0.04) return randomBytes(rng, 1 + rng.int(200));
  const method = pick(rng, METHODS);
  const depth = 1 + rng.int(rng.next() < 0.05 ? 300 : 4);
  const segs = ["fz"];
  for (let i = 1; i < depth; i++) segs.push(pick(rng, SEGMENTS));
  const prefix = rng.next() < 0.9 ? "/v2/keys/" : pick(rng, ["/v2/keys", "/", "/v2/", "/v2/members/", "/mod/v2/lock/", "/v2/stats/", "//v2/keys/"]);
  const query = rng.next() < 0.6 ? "?" + form(rng) : "";
  const target = prefix + segs.join("/") + query;
  const headers: string[] = ["Host: fuzz"];
  let body = rng.next() < 0.5 ? form(rng) : "";
  if (rng.next() < 0.05) body = randomBytes(rng, rng.int(300));
  if (rng.next() < 0.7) {
    const ct = pick(rng, CONTENT_TYPES);
    if (ct) headers.push(`Content-Type: ${ct}`);
  }
  const framing = rng.int(20);
  if (framing === 0) headers.push("Transfer-Encoding: chunked", `Content-Length: ${body.length}`);
  else if (framing === 1) headers.push(`Content-Length: ${body.length + rng.int(5) + 1}`);
  else if (framing === 2) headers.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`);
  else if (framing === 3) headers.push("Transfer-Encoding: chunked");
  else if (framing === 4) headers.push(`X-Junk: ${randomBytes(rng, 20).replace(/[\r\n]/g, "")}`, `Content-Length: ${body.length}`);
  else headers.push(`Content-Length: ${body.length}`);
  if (framing === 0 || framing === 3) body = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
  headers.push("Connection: close");
  return `${method} ${target} HTTP/1.1\r\n${headers.join("\r\n")}\r\n\r\n${body}`;
}

const MSG_TYPES = ["app", "appResp", "vote", "voteResp", "preVote", "preVoteResp", "heartbeat", "heartbeatResp", "snap", "prop", "readIndex", "readIndexResp", "timeoutNow", "transferLeader", "hup", "beat", "bogus", ""];

export interface PeerIds {
  clusterId: string;
  /** Member IDs (hex) of the cluster, so some messages look like they come from members. */
  members: string[];
  /** Current raft term, so some messages carry a plausible one. */
  term: number;
}

function junk(rng: Rng): unknown {
  return pick(rng, [null, -1, 1.5, "x", [], {}, true, Number.MAX_SAFE_INTEGER, 2 ** 60, "9".repeat(30)]);
}

function field(rng: Rng, plausible: () => unknown): unknown {
  const r = rng.next();
  if (r < 0.75) return plausible();
  if (r < 0.9) return undefined;
  return junk(rng);
}

/** A raft message, plausible or mangled. */
export function raftMessage(rng: Rng, ids: PeerIds, to: string): Record<string, unknown> {
  const member = () => (rng.next() < 0.8 ? pick(rng, ids.members) : rng.int(2 ** 31).toString(16));
  const index = () => rng.int(rng.next() < 0.8 ? 50 : 1e6);
  const m: Record<string, unknown> = {
    type: field(rng, () => pick(rng, MSG_TYPES)),
    term: field(rng, () => Math.max(0, ids.term + rng.int(3) - 1)),
    from: field(rng, member),
    to: rng.next() < 0.85 ? to : field(rng, member),
    index: field(rng, index),
    logTerm: field(rng, () => rng.int(ids.term + 1)),
    commit: field(rng, index),
    reject: field(rng, () => rng.next() < 0.5),
  };
  if (rng.next() < 0.4) {
    const n = rng.int(4);
    m.entries = Array.from({ length: n }, () => ({
      term: field(rng, () => rng.int(ids.term + 1)),
      index: field(rng, index),
      type: field(rng, () => pick(rng, ["normal", "confChange", "x"])),
      data: field(rng, () => pick(rng, ["", "{}", "not json", '{"method":"PUT","path":"/fz/raft","val":"1"}', randomBytes(rng, 10)])),
    }));
  }
  for (const k of Object.keys(m)) if (m[k] === undefined) delete m[k];
  return m;
}

/** One raw HTTP/1.1 request for the peer port: raft batches mostly, some other endpoints and garbage. */
export function peerRequest(rng: Rng, ids: PeerIds, to: string): string {
  const r = rng.next();
  if (r < 0.05) return randomBytes(rng, 1 + rng.int(200));
  let path = "/raft";
  let body: string;
  if (r < 0.8) {
    const batch = Array.from({ length: 1 + rng.int(5) }, () => raftMessage(rng, ids, to));
    body = JSON.stringify(batch);
    if (rng.next() < 0.1) body = body.slice(0, rng.int(body.length));
  } else if (r < 0.88) {
    path = `/raft/snapshot?id=${rng.int(5)}&offset=${pick(rng, ["0", "5", "-1", "x"])}&total=${pick(rng, ["10", "0", "1e9", ""])}`;
    body = randomBytes(rng, rng.int(20));
  } else {
    path = pick(rng, ["/members", "/members/update", "/join", "/version", "/raft/../x", "/nope", "/raft/stream"]);
    body = rng.next() < 0.5 ? JSON.stringify({ id: junk(rng), name: junk(rng), peerURLs: junk(rng), clientURLs: junk(rng) }) : randomBytes(rng, 30);
  }
  const chunked = path === "/raft" && rng.next() < 0.3;
  if (chunked) {
    // The long-lived stream: one batch per line, sent chunked.
    path = "/raft/stream";
    body = `${body}\n`;
    if (rng.next() < 0.5) body += JSON.stringify([raftMessage(rng, ids, to)]) + "\n";
    body = `${Buffer.byteLength(body, "latin1").toString(16)}\r\n${body}\r\n0\r\n\r\n`;
  }
  const headers = ["Host: fuzz", "Content-Type: application/json", "Connection: close",
    chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${Buffer.byteLength(body, "latin1")}`];
  const cid = rng.next();
  if (cid < 0.8) headers.push(`X-Etcd-Cluster-Id: ${ids.clusterId}`);
  else if (cid < 0.9) headers.push(`X-Etcd-Cluster-Id: ${rng.int(2 ** 31).toString(16)}`);
  if (rng.next() < 0.5) headers.push(`X-Server-From: ${pick(rng, ids.members)}`);
  return `${pick(rng, ["POST", "POST", "POST", "GET", "PUT"])} ${path} HTTP/1.1\r\n${headers.join("\r\n")}\r\n\r\n${body}`;
}
