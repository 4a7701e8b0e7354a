// The v2 keys API, as the dashboard calls it from the browser (same origin
// as the page, so it works on whichever member served the dashboard).

import type { V2Error, V2Event, V2Node } from "../../shared/api.ts";
import { encodePath } from "../lib/paths.ts";

/** An etcd error answer (or a failure to get one), with etcd's code when there is one. */
export class EtcdApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errorCode?: number,
    readonly etcdCause?: string,
    readonly index?: number,
  ) {
    super(message);
  }

  /** "Key not found (/foo)", as etcd would put it. */
  get text(): string {
    return this.etcdCause ? `${this.message} (${this.etcdCause})` : this.message;
  }
}

/** etcd error codes the dashboard reacts to. */
export const ErrorCode = {
  KeyNotFound: 100,
  CompareFailed: 101,
  NotFile: 102,
  NotDir: 104,
  NodeExist: 105,
  RootReadOnly: 107,
  DirNotEmpty: 108,
  EventIndexCleared: 401,
} as const;

export interface KeysAnswer {
  event: V2Event;
  /** X-Etcd-Index of the answer. */
  etcdIndex: number;
}

/** Writes can wait for an election; give them longer than etcd's own request timeout. */
const TIMEOUT_MS = 20_000;

/** "" in the page (same origin); tests running outside a browser point it at a member. */
let origin = "";

export function setApiOrigin(o: string): void {
  origin = o.replace(/\/$/, "");
}

export function keysUrl(path: string, query: Record<string, string | number | boolean | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
  const qs = q.toString();
  return `${origin}/v2/keys${encodePath(path)}${qs ? `?${qs}` : ""}`;
}

async function call(method: string, url: string, body?: URLSearchParams): Promise<KeysAnswer> {
  let res: Response;
  try {
    res = await fetch(url, { method, body, cache: "no-store", signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    const timedOut = (err as Error)?.name === "TimeoutError";
    throw new EtcdApiError(timedOut ? "The member did not answer in time" : "Cannot reach the member", 0);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EtcdApiError(`Unexpected answer (HTTP ${res.status}): ${text.slice(0, 200)}`, res.status);
  }
  if (!res.ok) {
    const e = json as Partial<V2Error>;
    throw new EtcdApiError(e.message ?? `HTTP ${res.status}`, res.status, e.errorCode, e.cause, e.index);
  }
  return { event: json as V2Event, etcdIndex: Number(res.headers.get("X-Etcd-Index") ?? 0) };
}

/** GET a key or directory (a directory's children sorted by key). */
export function getNode(path: string, opts: { recursive?: boolean } = {}): Promise<KeysAnswer> {
  return call("GET", keysUrl(path, { sorted: true, recursive: opts.recursive }));
}

export interface SetOptions {
  value?: string;
  dir?: boolean;
  /** Seconds; "" removes a TTL; undefined leaves the key permanent (etcd's set clears any TTL). */
  ttl?: number | "";
  prevExist?: boolean;
  prevIndex?: number;
}

/** PUT: set, create (prevExist=false), update (prevExist=true) or compare-and-swap (prevIndex). */
export async function setNode(path: string, o: SetOptions): Promise<V2Event> {
  const body = new URLSearchParams();
  if (o.value !== undefined && !o.dir) body.set("value", o.value);
  if (o.ttl !== undefined) body.set("ttl", String(o.ttl));
  const url = keysUrl(path, { dir: o.dir, prevExist: o.prevExist, prevIndex: o.prevIndex });
  return (await call("PUT", url, body)).event;
}

/** POST: a key with an increasing name inside `dir` (etcd's in-order keys). */
export async function createInOrder(dir: string, value: string, ttl?: number): Promise<V2Event> {
  const body = new URLSearchParams({ value });
  if (ttl !== undefined) body.set("ttl", String(ttl));
  return (await call("POST", keysUrl(dir), body)).event;
}

/** DELETE a key, or a directory with everything below it. */
export async function deleteNode(path: string, node: Pick<V2Node, "dir">): Promise<V2Event> {
  const url = keysUrl(path, node.dir ? { dir: true, recursive: true } : {});
  return (await call("DELETE", url)).event;
}

export function errorText(err: unknown): string {
  if (err instanceof EtcdApiError) return err.text;
  return (err as Error)?.message ?? String(err);
}
