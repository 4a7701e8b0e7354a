// The v2 keys API as etcd's Go client speaks it: which options go in the
// query string and which in the form body, which requests are one-shot,
// and how answers become a Response or an EtcdError.

import { canonicalUrlPath, encodeValues, type Endpoint, requestUrl } from "../golang/url.ts";
import type { ClusterClient } from "./cluster_client.ts";
import { type Ctx, ERR_EMPTY_BODY, ERR_INVALID_JSON, EtcdError } from "./errors.ts";
import type { HttpRequest, HttpResponse } from "./transport.ts";

export interface KeyNode {
  key: string;
  dir: boolean;
  value: string;
  /** null when the answer had no "nodes" (Go keeps a nil slice). */
  nodes: KeyNode[] | null;
  createdIndex: number;
  modifiedIndex: number;
  expiration: string | null;
  ttl: number;
}

export interface KeysResponse {
  action: string;
  node: KeyNode | null;
  prevNode: KeyNode | null;
  /** X-Etcd-Index of the answer (0 when absent). */
  index: number;
}

export type PrevExist = "" | "true" | "false";

export interface SetOptions {
  prevValue?: string;
  prevIndex?: number;
  prevExist?: PrevExist;
  /** Seconds; only values > 0 are sent. */
  ttl?: number;
  dir?: boolean;
}

export interface DeleteOptions {
  prevValue?: string;
  prevIndex?: number;
  dir?: boolean;
  recursive?: boolean;
}

export interface GetOptions {
  recursive?: boolean;
  sort?: boolean;
  quorum?: boolean;
}

const FORM = { "content-type": "application/x-www-form-urlencoded" };

function keysPath(ep: Endpoint, key: string): string {
  return canonicalUrlPath(ep.path + "/v2/keys" + (key.startsWith("/") || key === "" ? key : "/" + key));
}

export class KeysApi {
  constructor(private readonly client: ClusterClient) {}

  async get(ctx: Ctx, key: string, opts: GetOptions = {}): Promise<KeysResponse> {
    const query = encodeValues([
      ["recursive", String(opts.recursive ?? false)],
      ["sorted", String(opts.sort ?? false)],
      ["quorum", String(opts.quorum ?? false)],
    ]);
    const res = await this.client.do(ctx, (ep) => ({ method: "GET", url: requestUrl(ep, keysPath(ep, key), query), headers: {} }));
    return unmarshalKeysResponse(res);
  }

  async set(ctx: Ctx, key: string, value: string, opts: SetOptions = {}): Promise<KeysResponse> {
    const params: Array<[string, string]> = [];
    const form: Array<[string, string]> = [];
    if (opts.dir) params.push(["dir", "true"]);
    else {
      if (opts.prevValue) params.push(["prevValue", opts.prevValue]);
      form.push(["value", value]);
    }
    if (opts.prevIndex) params.push(["prevIndex", String(opts.prevIndex)]);
    if (opts.prevExist) params.push(["prevExist", opts.prevExist]);
    if (opts.ttl && opts.ttl > 0) form.push(["ttl", String(opts.ttl)]);
    const action = (ep: Endpoint): HttpRequest => ({
      method: "PUT",
      url: requestUrl(ep, keysPath(ep, key), encodeValues(params)),
      headers: { ...FORM },
      body: encodeValues(form),
    });
    // Creating must not be retried elsewhere: a lost answer would turn into "already exists".
    const res = await this.client.do(ctx, action, { oneShot: opts.prevExist === "false" });
    return unmarshalKeysResponse(res);
  }

  async createInOrder(ctx: Ctx, dir: string, value: string, opts: { ttl?: number } = {}): Promise<KeysResponse> {
    const form: Array<[string, string]> = [["value", value]];
    if (opts.ttl && opts.ttl > 0) form.push(["ttl", String(opts.ttl)]);
    const res = await this.client.do(ctx, (ep) => ({
      method: "POST",
      url: requestUrl(ep, keysPath(ep, dir)),
      headers: { ...FORM },
      body: encodeValues(form),
    }));
    return unmarshalKeysResponse(res);
  }

  async delete(ctx: Ctx, key: string, opts: DeleteOptions = {}): Promise<KeysResponse> {
    const params: Array<[string, string]> = [];
    if (opts.prevValue) params.push(["prevValue", opts.prevValue]);
    if (opts.prevIndex) params.push(["prevIndex", String(opts.prevIndex)]);
    if (opts.dir) params.push(["dir", "true"]);
    if (opts.recursive) params.push(["recursive", "true"]);
    const res = await this.client.do(
      ctx,
      (ep) => ({ method: "DELETE", url: requestUrl(ep, keysPath(ep, key), encodeValues(params)), headers: { ...FORM } }),
      { oneShot: true },
    );
    return unmarshalKeysResponse(res);
  }

  /** A watcher: each next() long-polls for the event after the previous one. */
  watcher(key: string, opts: { afterIndex?: number; recursive?: boolean } = {}): { next(ctx: Ctx): Promise<KeysResponse> } {
    let waitIndex = opts.afterIndex && opts.afterIndex > 0 ? opts.afterIndex + 1 : 0;
    const recursive = opts.recursive ?? false;
    return {
      next: async (ctx: Ctx) => {
        for (;;) {
          const query = encodeValues([["wait", "true"], ["waitIndex", String(waitIndex)], ["recursive", String(recursive)]]);
          const res = await this.client.do(ctx, (ep) => ({ method: "GET", url: requestUrl(ep, keysPath(ep, key), query), headers: {} }), {
            wait: true,
          });
          let resp: KeysResponse;
          try {
            resp = unmarshalKeysResponse(res);
          } catch (err) {
            // A long poll the server ended without an event: ask again.
            if (err instanceof Error && err.message === ERR_EMPTY_BODY) continue;
            throw err;
          }
          waitIndex = (resp.node?.modifiedIndex ?? 0) + 1;
          return resp;
        }
      },
    };
  }
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function toNode(v: unknown): KeyNode | null {
  if (v === null || typeof v !== "object") return null;
  const o = v as Record<string, unknown>;
  return {
    key: str(o.key),
    dir: o.dir === true,
    value: str(o.value),
    nodes: Array.isArray(o.nodes) ? o.nodes.map(toNode).filter((n): n is KeyNode => n !== null) : null,
    createdIndex: num(o.createdIndex),
    modifiedIndex: num(o.modifiedIndex),
    expiration: typeof o.expiration === "string" ? o.expiration : null,
    ttl: num(o.ttl),
  };
}

/** 200/201 → a Response; anything else → the EtcdError in the body. */
export function unmarshalKeysResponse(res: HttpResponse): KeysResponse {
  if (res.status === 200 || res.status === 201) {
    if (res.body.length === 0) throw new Error(ERR_EMPTY_BODY);
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      throw new Error(ERR_INVALID_JSON);
    }
    if (parsed === null || typeof parsed !== "object") throw new Error(ERR_INVALID_JSON);
    const header = res.headers["x-etcd-index"];
    let index = 0;
    if (header) {
      if (!/^\d+$/.test(header)) throw new Error(`strconv.ParseUint: parsing "${header}": invalid syntax`);
      index = Number(header);
    }
    return { action: str(parsed.action), node: toNode(parsed.node), prevNode: toNode(parsed.prevNode), index };
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    throw new Error(ERR_INVALID_JSON);
  }
  if (parsed === null || typeof parsed !== "object") throw new Error(ERR_INVALID_JSON);
  throw new EtcdError(num(parsed.errorCode), str(parsed.message), str(parsed.cause), num(parsed.index));
}
