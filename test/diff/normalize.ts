// Turns one HTTP response into a record that can be compared between two
// servers that started at different etcd indexes and answer at slightly
// different instants. Each rule is explained in README.md.

/** A response as received, before any normalization. */
export interface RawResponse {
  /** HTTP status, or why there is none. */
  status: number | "timeout" | "network-error";
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
  /** Transport error text, when status is not a number. */
  error?: string;
}

/** What normalization needs to know about the request and the server. */
export interface NormalizeContext {
  /** The server's X-Etcd-Index at the start of the sequence. */
  base: number;
  /** The request asked for sorted listings: keep the order of `nodes`. */
  sorted: boolean;
  /** The request carried a prevIndex, so a compare-failed cause quotes indexes. */
  hasPrevIndex: boolean;
}

/** An index, relative to the base; absolute 0 (parse errors) stays apart. */
export type RelIndex = number | "zero";

export interface NormalRecord {
  status: number | "timeout" | "network-error";
  headers: {
    contentType: string | null;
    etcdIndex: RelIndex | string | null;
    raftIndex: boolean;
    raftTerm: boolean;
    clusterId: boolean;
    location: string | null;
    allow: string | null;
    /** access-control-allow-{origin,methods,headers}, joined with " | ". */
    cors: string | null;
    contentTypeOptions: string | null;
  };
  /** Parsed and normalized JSON, or the raw text when the body is not JSON. */
  body: unknown;
  /** Whether a JSON body ended with a newline (Go's json.Encoder writes one). */
  trailingNewline: boolean | null;
  /** For a watch that had to wait: did its headers arrive before the event? (set by the runner) */
  headersBeforeEvent: boolean | null;
}

/** Relative form of an absolute index, as a number. */
export function relIndex(abs: number, base: number): RelIndex {
  return abs === 0 ? "zero" : abs - base;
}

/** Relative form of an absolute index inside a string: `#<rel>`. */
export function relToken(abs: number, base: number): string {
  return `#${abs - base}`;
}

// In-order keys are the createdIndex padded to 20 digits: a path segment of
// exactly 20 digits. The generator never makes such names itself.
const INORDER_SEGMENT = /\/(\d{20})(?=\/|$)/g;

/** Replaces in-order key names in a path by their relative index token. */
export function normalizeKey(key: string, base: number): string {
  return key.replace(INORDER_SEGMENT, (_m, digits: string) => `/${relToken(Number(digits), base)}`);
}

const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

function normalizeCause(cause: string, errorCode: unknown, ctx: NormalizeContext): string {
  let out = normalizeKey(cause, ctx.base);
  if (errorCode === 101 && ctx.hasPrevIndex) {
    // "[prevIndex != modifiedIndex]" is always the last bracket.
    out = out.replace(
      /\[(\d+) != (\d+)\]$/,
      (_m, p: string, m: string) => `[${relToken(Number(p), ctx.base)} != ${relToken(Number(m), ctx.base)}]`,
    );
  }
  if (errorCode === 401) {
    // "the requested history has been cleared [first/requested]"
    out = out.replace(
      /\[(\d+)\/(\d+)\]/,
      (_m, a: string, b: string) => `[${relToken(Number(a), ctx.base)}/${relToken(Number(b), ctx.base)}]`,
    );
  }
  return out;
}

const INDEX_FIELDS = new Set(["createdIndex", "modifiedIndex", "index"]);

function normalizeJson(value: unknown, ctx: NormalizeContext, errorCode: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => normalizeJson(v, ctx, errorCode));
  if (value === null || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(obj).sort()) {
    const v = obj[name];
    if (INDEX_FIELDS.has(name) && typeof v === "number") {
      out[name] = relIndex(v, ctx.base);
    } else if (name === "key" && typeof v === "string") {
      out[name] = normalizeKey(v, ctx.base);
    } else if (name === "cause" && typeof v === "string") {
      out[name] = normalizeCause(v, obj.errorCode, ctx);
    } else if (name === "expiration" && typeof v === "string") {
      out[name] = UTC_TIME.test(v) ? "<utc-time>" : v;
    } else if (name === "nodes" && Array.isArray(v)) {
      const nodes = v.map((n) => normalizeJson(n, ctx, errorCode));
      if (!ctx.sorted) nodes.sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
      out[name] = nodes;
    } else {
      out[name] = normalizeJson(v, ctx, errorCode);
    }
  }
  return out;
}

function sortKey(node: unknown): string {
  if (node !== null && typeof node === "object" && typeof (node as { key?: unknown }).key === "string") {
    return (node as { key: string }).key;
  }
  return JSON.stringify(node);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

const CORS_HEADERS = ["access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers"];

export function normalize(res: RawResponse, ctx: NormalizeContext): NormalRecord {
  const h = res.headers;
  const etcdIndexRaw = h["x-etcd-index"];
  const etcdIndex = etcdIndexRaw === undefined
    ? null
    : /^\d+$/.test(etcdIndexRaw)
    ? relIndex(Number(etcdIndexRaw), ctx.base)
    : etcdIndexRaw;
  const headers = {
    contentType: h["content-type"] ?? null,
    etcdIndex,
    raftIndex: "x-raft-index" in h,
    raftTerm: "x-raft-term" in h,
    clusterId: "x-etcd-cluster-id" in h,
    location: h["location"] ?? null,
    allow: h["allow"] ?? null,
    cors: CORS_HEADERS.some((n) => n in h) ? CORS_HEADERS.map((n) => h[n] ?? "-").join(" | ") : null,
    contentTypeOptions: h["x-content-type-options"] ?? null,
  };
  if (typeof res.status !== "number") {
    return { status: res.status, headers, body: null, trailingNewline: null, headersBeforeEvent: null };
  }
  const parsed = res.body.trim() === "" ? { ok: false as const } : parseJson(res.body);
  if (!parsed.ok) {
    return { status: res.status, headers, body: res.body, trailingNewline: null, headersBeforeEvent: null };
  }
  const errorCode = (parsed.value as { errorCode?: unknown } | null)?.errorCode;
  return {
    status: res.status,
    headers,
    body: normalizeJson(parsed.value, ctx, errorCode),
    trailingNewline: res.body.endsWith("\n"),
    headersBeforeEvent: null,
  };
}
