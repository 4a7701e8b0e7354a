// The /v2/keys handler: parses the request, reads locally, proposes writes,
// and serves watches as long polls or streams. It answers plain values
// (status, headers, body or watch feed); keys_web.ts and keys_node.ts turn
// them into a runtime's responses.

import type { V2Request } from "../store/apply.ts";
import { Code, EtcdError } from "../store/errors.ts";
import type { StoreEvent } from "../store/event.ts";
import type { Store } from "../store/store.ts";
import type { Watcher } from "../store/watcher_hub.ts";
import { KEYS_PREFIX, type KeysRequest, parseKeysRequest } from "./keys_request.ts";
import type { CorsHeaders } from "./cors.ts";
import { type Answer, errorAnswer, methodNotAllowedAnswer, toEtcdError } from "./responses.ts";
import { setImmediate } from "node:timers";
import { WatchFeed } from "./watch_feed.ts";
import { GetCache } from "./get_cache.ts";

/** What the keys API needs from a running member. */
export interface KeysBackend {
  readonly store: Store;
  readonly clusterId: string;
  readonly raftIndex: number;
  readonly raftTerm: number;
  do(r: V2Request): Promise<StoreEvent>;
  quorumGet(path: string, recursive: boolean, sorted: boolean): StoreEvent | Promise<StoreEvent>;
}

export interface KeysOptions {
  maxRequestBytes: number;
  /** How long a watch may wait before the connection is closed with no event (etcd: 5 minutes). */
  watchTimeoutMs: number;
  /** CORS headers to build into answers (else the cors middleware adds them afterwards, at a cost). */
  corsHeaders?: CorsHeaders;
}

/** A keys request as any runtime can describe it. Unclean paths never get here (clean_path.ts). */
export interface KeysCall {
  method: string;
  /** Still %-encoded, starting with /v2/keys. */
  rawPath: string;
  query: string;
  origin: string | null;
  contentType: string | null;
  /** The whole body as text; throws a BodyTooLargeError past `limit` bytes. */
  readBody(limit: number): Promise<string>;
}

/** An answer; a watch's carries the feed its events will flow through. */
export interface KeysAnswer extends Answer {
  feed?: WatchFeed;
}

export type KeysCore = (call: KeysCall) => Promise<KeysAnswer>;

const KEYS_METHODS = ["HEAD", "GET", "PUT", "POST", "DELETE"];
const RESERVED = "/_etcd";

export function createKeysCore(backend: KeysBackend, opts: KeysOptions): KeysCore {
  const cache = new GetCache();
  return async (call) => {
    const method = call.method;
    const cors = opts.corsHeaders?.(call.origin) ?? null;
    if (!KEYS_METHODS.includes(method)) return methodNotAllowedAnswer(KEYS_METHODS, cors);
    let kr: KeysRequest;
    try {
      // Like Go's ParseForm: only PUT and POST bodies, and only urlencoded ones, hold form values.
      const body = (method === "PUT" || method === "POST") && isFormBody(call.contentType)
        ? await call.readBody(opts.maxRequestBytes)
        : "";
      kr = parseKeysRequest(method, call.rawPath, call.query, body);
    } catch (err) {
      return errorAnswer(toEtcdError(err), backend.clusterId, cors);
    }

    try {
      if (method === "GET" || method === "HEAD") {
        if (kr.wait && method === "GET") return watch(backend, kr, opts, cors);
        if (kr.quorum && method === "GET") {
          return eventAnswer(backend, await backend.quorumGet(kr.key, kr.recursive, kr.sorted), false, false, cors);
        }
        if (method === "HEAD") return eventAnswer(backend, backend.store.get(kr.key, kr.recursive, kr.sorted), true, false, cors);
        return cachedGet(backend, cache, kr, cors);
      }
      if (isReserved(kr.key)) throw new EtcdError(Code.KeyIsPreserved, kr.key, backend.store.index);
      const ev = await backend.do(toV2Request(kr));
      return eventAnswer(backend, ev, false, kr.noValueOnSuccess, cors);
    } catch (err) {
      const e = toEtcdError(err);
      if (e.errorCode === Code.RaftInternal) e.index = 0;
      return errorAnswer(e, backend.clusterId, cors);
    }
  };
}

function isReserved(key: string): boolean {
  return key === RESERVED || key.startsWith(RESERVED + "/");
}

function isFormBody(ct: string | null): boolean {
  // Lenient where Go is strict: a body without a Content-Type is read as a form too.
  return ct === null || ct === "application/x-www-form-urlencoded" ||
    ct.split(";")[0].trim().toLowerCase() === "application/x-www-form-urlencoded";
}

function toV2Request(kr: KeysRequest): V2Request {
  const r: V2Request = { method: kr.method as V2Request["method"], path: kr.key };
  if (kr.method !== "DELETE") {
    r.val = kr.value;
    if (kr.ttl !== undefined) r.expireAt = Date.now() + kr.ttl * 1000;
    if (kr.refresh) r.refresh = true;
  }
  if (kr.dir) r.dir = true;
  if (kr.prevValue !== "") r.prevValue = kr.prevValue;
  if (kr.prevIndex !== 0) r.prevIndex = kr.prevIndex;
  if (kr.prevExist !== undefined) r.prevExist = kr.prevExist;
  if (kr.recursive) r.recursive = true;
  return r;
}

function raftHeaders(backend: KeysBackend, etcdIndex: number, cors: Record<string, string> | null): Record<string, string> {
  const h: Record<string, string> = {
    "Content-Type": "application/json",
    "X-Etcd-Cluster-Id": backend.clusterId,
    "X-Etcd-Index": String(etcdIndex),
    "X-Raft-Index": String(backend.raftIndex),
    "X-Raft-Term": String(backend.raftTerm),
  };
  return cors ? Object.assign(h, cors) : h;
}

function eventAnswer(backend: KeysBackend, ev: StoreEvent, head: boolean, noValue: boolean, cors: Record<string, string> | null): KeysAnswer {
  const created = ev.action === "create" || (ev.action === "set" && !ev.prevNode);
  let body: string | null = null;
  if (!head) {
    body = noValue && ev.action !== "delete" && ev.action !== "compareAndDelete" && ev.action !== "get"
      ? JSON.stringify({ action: ev.action }) + "\n"
      : ev.encode();
  }
  return { status: created ? 201 : 200, headers: raftHeaders(backend, ev.etcdIndex, cors), body, cors: cors !== null };
}

/** A local GET, answered from the cache when the key and everything else are as they were. */
function cachedGet(backend: KeysBackend, cache: GetCache, kr: KeysRequest, cors: Record<string, string> | null): KeysAnswer {
  const store = backend.store;
  // Cached answers carry the CORS headers of the origin they were made for.
  let key = kr.recursive ? (kr.sorted ? "rs" : "r-") : (kr.sorted ? "-s" : "--");
  key += cors ? kr.key + "\0" + cors["Access-Control-Allow-Origin"] : kr.key;
  const hit = cache.lookup(key, store.index, backend.raftIndex, backend.raftTerm);
  // Copies in and out: the node path adds Content-Length to an answer's headers.
  if (hit) {
    store.stats.inc("gets", true);
    return { status: hit.status, headers: { ...hit.headers }, body: hit.body, cors: cors !== null };
  }
  const ev = store.get(kr.key, kr.recursive, kr.sorted);
  const a = eventAnswer(backend, ev, false, false, cors);
  cache.keep(key, ev, { status: a.status, headers: { ...a.headers }, body: a.body! });
  return a;
}

// Watch events go out once the write that caused them is applied. A few go
// at once, ahead of the writer's answer in the same turn, so a client that
// waits for both wakes once (fewer slow cycles with one watcher). A fan-out
// to many waits for the next turn of the event loop, so the writer is
// answered first instead of after thousands of sockets (etcd answers the
// writer and the watchers from different goroutines).
const SEND_AT_ONCE = 16;
let outbox: (() => void)[] = [];
function deliverSoon(send: () => void): void {
  if (outbox.length === 0) queueMicrotask(flushOutbox);
  outbox.push(send);
}
function flushOutbox(): void {
  const due = outbox;
  outbox = [];
  if (due.length > SEND_AT_ONCE) {
    setImmediate(() => {
      for (const send of due) send();
    });
    return;
  }
  for (const send of due) send();
}

/** A long poll (one event, then the response ends) or, with stream=true, one JSON event per line. */
function watch(backend: KeysBackend, kr: KeysRequest, opts: KeysOptions, cors: Record<string, string> | null): KeysAnswer {
  const feed = new WatchFeed(kr.stream);
  let watcher: Watcher | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  feed.onClose = () => {
    clearTimeout(timer);
    watcher?.remove();
  };
  try {
    watcher = backend.store.watch(kr.key, kr.recursive, kr.stream, kr.waitIndex, (e) => deliverSoon(() => feed.send(e)));
  } catch (err) {
    feed.close();
    return errorAnswer(toEtcdError(err), backend.clusterId, cors);
  }
  timer = setTimeout(() => feed.end(), opts.watchTimeoutMs);
  return { status: 200, headers: raftHeaders(backend, watcher.startIndex, cors), body: null, cors: cors !== null, feed };
}

export { KEYS_PREFIX };
