// From a generated Op to concrete HTTP requests: first resolve its references
// against the oracle's answers so far (giving one request in relative
// indexes), then render that for each server with its own base index.
import { GO_TRUE, type Method, type Op, type Param } from "./ops.ts";
import type { Tracker } from "./tracker.ts";

/** A parameter value: literal, or an index relative to the sequence start. */
export type RelValue = string | { rel: number };

/** One request, the same for every server, indexes still relative. */
export interface RelRequest {
  method: Method;
  /** Raw path after `/v2/keys`, starting with "/"; `#<rel>` marks an in-order key name. */
  path: string;
  query: [string, RelValue][];
  form: [string, RelValue][] | null;
  isWait: boolean;
  isRefresh: boolean;
  sorted: boolean;
  hasPrevIndex: boolean;
}

export interface Skipped {
  skip: string;
}

// A waitIndex "more than 1000 events ago" is only comparable once every
// server has a full 1000-event history; the margin keeps us clear of the edge.
const HISTORY = 1000;
const FULL_HISTORY_MARGIN = 100;

const MISSING_VALUE = "no-such-value";

function encodeKeyPath(key: string): string {
  // Keys come back decoded; `#<rel>` in-order names must stay tokens.
  return key.split("/").map((s) => (/^#-?\d+$/.test(s) ? s : encodeURIComponent(s))).join("/");
}

/**
 * Fills in an op's references. `minBase` is the smallest base index among
 * the servers; it decides whether a "history cleared" request is comparable.
 */
export function resolve(op: Op, tracker: Tracker, minBase: number): RelRequest | Skipped {
  let path: string;
  const t = op.target;
  if (t.kind === "path") {
    path = `${tracker.prefix}${t.path === "" ? "" : "/"}${t.path}`;
  } else if (t.kind === "inorder") {
    const dirKey = tracker.keyOf(t.dir);
    const keys = tracker.inorder.get(dirKey) ?? [];
    path = keys.length > 0 ? encodeKeyPath(keys[t.pick % keys.length]) : `${encodeKeyPath(dirKey)}/no-such-inorder`;
  } else {
    const events = tracker.events;
    if (events.length === 0) return { skip: "no event yet to wait for" };
    const key = events[t.pick % events.length].key;
    path = encodeKeyPath(t.parent ? key.slice(0, key.lastIndexOf("/")) || "/" : key);
  }

  const resolveParams = (params: Param[]): [string, RelValue][] | Skipped => {
    const out: [string, RelValue][] = [];
    for (const [name, value] of params) {
      if (typeof value === "string") {
        out.push([name, value]);
        continue;
      }
      switch (value.ref) {
        case "valueOf": {
          const node = tracker.nodes.get(tracker.keyOf(value.path));
          out.push([name, node?.value ?? MISSING_VALUE]);
          break;
        }
        case "indexOf": {
          const node = tracker.nodes.get(tracker.keyOf(value.path));
          // An unknown key gets an index that matches nothing. A relative
          // index below 1 would fall before the sequence (and maybe to 0,
          // which means "no condition"), so it is bent upwards instead.
          let rel = node ? node.modifiedIndex + value.delta : tracker.currentIndex + 3;
          if (rel < 1) rel = (node?.modifiedIndex ?? 0) + 1;
          out.push([name, { rel }]);
          break;
        }
        case "eventIndex": {
          const events = tracker.events;
          if (events.length === 0) return { skip: "no event yet to wait for" };
          const event = events[value.pick % events.length];
          out.push([name, { rel: Math.max(1, event.index - value.back) }]);
          break;
        }
        case "nextIndex":
          out.push([name, { rel: tracker.currentIndex + 1 }]);
          break;
        case "lastIndex":
          out.push([name, { rel: tracker.currentIndex - value.minus }]);
          break;
        case "clearedIndex": {
          const rel = tracker.currentIndex - HISTORY - value.back;
          if (minBase + tracker.currentIndex < HISTORY + FULL_HISTORY_MARGIN + value.back) {
            return { skip: "history not yet full on every server" };
          }
          out.push([name, { rel }]);
          break;
        }
      }
    }
    return out;
  };

  const query = resolveParams(op.query);
  if ("skip" in query) return query;
  const form = op.form === null ? null : resolveParams(op.form);
  if (form !== null && "skip" in form) return form;

  const names = [...op.query, ...(op.form ?? [])].map(([n]) => n);
  const flag = (name: string) =>
    [...op.query, ...(op.form ?? [])].some(([n, v]) => n === name && typeof v === "string" && GO_TRUE.includes(v));
  return {
    method: op.method,
    path,
    query,
    form,
    isWait: flag("wait") && op.method === "GET",
    isRefresh: flag("refresh"),
    sorted: flag("sorted"),
    hasPrevIndex: names.includes("prevIndex"),
  };
}

export interface RenderedRequest {
  method: Method;
  url: string;
  body: string | null;
}

/** Index tokens become absolute for a server whose sequence started at `base`. */
export function render(req: RelRequest, baseUrl: string, base: number): RenderedRequest {
  const abs = (v: RelValue) => (typeof v === "string" ? v : String(base + v.rel));
  const path = req.path.replace(/#(-?\d+)/g, (_m, n: string) => String(base + Number(n)).padStart(20, "0"));
  const query = req.query.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(abs(v))}`).join("&");
  const body = req.form === null ? null : new URLSearchParams(req.form.map(([n, v]) => [n, abs(v)])).toString();
  return { method: req.method, url: `${baseUrl}/v2/keys${path}${query ? `?${query}` : ""}`, body };
}
