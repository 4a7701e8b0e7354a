// The /v2/keys handler: parses the request, reads locally, proposes writes,
// and serves watches as long polls or streams.

import type { V2Request } from "../store/apply.ts";
import { Code, EtcdError } from "../store/errors.ts";
import type { StoreEvent } from "../store/event.ts";
import type { Store } from "../store/store.ts";
import type { Watcher } from "../store/watcher_hub.ts";
import { readBody } from "./body.ts";
import { KEYS_PREFIX, type KeysRequest, parseKeysRequest } from "./keys_request.ts";
import type { CorsHeaders } from "./cors.ts";
import { carriesCors, errorResponse, methodNotAllowed, toEtcdError } from "./responses.ts";
import { setImmediate } from "node:timers";
import { onExchangeEnd } from "../runtime/serve.ts";
import { splitUrl } from "./clean_path.ts";

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

const ALLOWED = ["HEAD", "GET", "PUT", "POST", "DELETE"];
const RESERVED = "/_etcd";
const encoder = new TextEncoder();

export function createKeysHandler(backend: KeysBackend, opts: KeysOptions) {
  return async (req: Request): Promise<Response> => {
    const method = req.method;
    if (!ALLOWED.includes(method)) return methodNotAllowed(ALLOWED);
    // Unclean paths never get here: the app redirects them first (clean_path.ts).
    const { rawPath, query } = splitUrl(req.url);

    const cors = opts.corsHeaders?.(req.headers.get("origin")) ?? null;
    let kr: KeysRequest;
    try {
      // Like Go's ParseForm: only PUT and POST bodies, and only urlencoded ones, hold form values.
      const body = (method === "PUT" || method === "POST") && isFormBody(req)
        ? await readBody(req, opts.maxRequestBytes)
        : "";
      kr = parseKeysRequest(method, rawPath, query, body);
    } catch (err) {
      return errorResponse(toEtcdError(err), backend.clusterId, cors);
    }

    try {
      if (method === "GET" || method === "HEAD") {
        if (kr.wait && method === "GET") return watch(backend, kr, opts, req, cors);
        const ev = kr.quorum && method === "GET"
          ? await backend.quorumGet(kr.key, kr.recursive, kr.sorted)
          : backend.store.get(kr.key, kr.recursive, kr.sorted);
        return eventResponse(backend, ev, method === "HEAD", false, cors);
      }
      if (isReserved(kr.key)) throw new EtcdError(Code.KeyIsPreserved, kr.key, backend.store.index);
      const ev = await backend.do(toV2Request(kr));
      return eventResponse(backend, ev, false, kr.noValueOnSuccess, cors);
    } catch (err) {
      const e = toEtcdError(err);
      if (e.errorCode === Code.RaftInternal) e.index = 0;
      return errorResponse(e, backend.clusterId, cors);
    }
  };
}

function isReserved(key: string): boolean {
  return key === RESERVED || key.startsWith(RESERVED + "/");
}

function isFormBody(req: Request): boolean {
  const ct = req.headers.get("content-type");
  // Lenient where Go is strict: a body without a Content-Type is read as a form too.
  return ct === null || ct.split(";")[0].trim().toLowerCase() === "application/x-www-form-urlencoded";
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

/** A response whose headers include the CORS ones (if any), marked so the middleware skips it. */
function withCors(body: BodyInit | null, status: number, headers: Record<string, string>, cors: Record<string, string> | null): Response {
  const res = new Response(body, { status, headers });
  if (cors) carriesCors.add(res);
  return res;
}

function eventResponse(backend: KeysBackend, ev: StoreEvent, head: boolean, noValue: boolean, cors: Record<string, string> | null): Response {
  const created = ev.action === "create" || (ev.action === "set" && !ev.prevNode);
  const status = created ? 201 : 200;
  let body: string | null = null;
  if (!head) {
    body = noValue && ev.action !== "delete" && ev.action !== "compareAndDelete" && ev.action !== "get"
      ? JSON.stringify({ action: ev.action }) + "\n"
      : ev.encode();
  }
  return withCors(body, status, raftHeaders(backend, ev.etcdIndex, cors), cors);
}

// Watch events go out after the current turn of the event loop: the write
// that caused them is answered first, instead of after a fan-out to
// thousands of sockets (etcd answers the writer and the watchers from
// different goroutines).
let outbox: (() => void)[] = [];
function deliverSoon(send: () => void): void {
  if (outbox.length === 0) setImmediate(flushOutbox);
  outbox.push(send);
}
function flushOutbox(): void {
  const due = outbox;
  outbox = [];
  for (const send of due) send();
}

// Every watcher of a key gets the same event in a row: encode it once.
let lastEvent: StoreEvent | undefined;
let lastBytes = new Uint8Array();
function eventBytes(e: StoreEvent): Uint8Array {
  if (e !== lastEvent) {
    lastBytes = encoder.encode(e.encode());
    lastEvent = e;
  }
  return lastBytes;
}

/** A long poll (one event, then the response ends) or, with stream=true, one JSON event per line. */
function watch(backend: KeysBackend, kr: KeysRequest, opts: KeysOptions, req: Request, cors: Record<string, string> | null): Response {
  let watcher: Watcher | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    watcher?.remove();
  };
  let ctrl!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      ctrl = c;
    },
    cancel() {
      finish();
    },
  });
  const deliver = (e: StoreEvent) => deliverSoon(() => send(e));
  const send = (e: StoreEvent) => {
    if (done) return;
    try {
      // A copy each: a runtime may take ownership of the chunks it is given.
      ctrl.enqueue(eventBytes(e).slice());
      if (!kr.stream) {
        finish();
        ctrl.close();
      }
    } catch {
      finish();
    }
  };
  try {
    watcher = backend.store.watch(kr.key, kr.recursive, kr.stream, kr.waitIndex, deliver);
  } catch (err) {
    finish();
    return errorResponse(toEtcdError(err), backend.clusterId, cors);
  }
  if (!done) {
    timer = setTimeout(() => {
      finish();
      try {
        ctrl.close();
      } catch { /* already closed */ }
    }, opts.watchTimeoutMs);
    onExchangeEnd(req, finish);
  }
  return withCors(body, 200, raftHeaders(backend, watcher.startIndex, cors), cors);
}

export { KEYS_PREFIX };
