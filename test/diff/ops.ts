// Seeded generator of v2 keys-API request sequences.
//
// An Op is target-independent: it never contains an absolute etcd index or an
// in-order key name, because every server under test starts at a different
// index. Where a request needs one (a right prevIndex, a waitIndex in history,
// an in-order key), the op holds a reference that the runner resolves from
// what the oracle answered so far, in indexes relative to the start of the
// sequence, and renders for each server with that server's own base index.
import { Prng } from "./prng.ts";

export type Method = "GET" | "PUT" | "POST" | "DELETE" | "PATCH" | "HEAD" | "OPTIONS";

/** A parameter value filled in by the runner from the oracle's answers. */
export type Ref =
  /** The key's current value (a prevValue that should match). */
  | { ref: "valueOf"; path: string }
  /** The key's modifiedIndex plus delta (delta 0: a prevIndex that should match). */
  | { ref: "indexOf"; path: string; delta: number }
  /** `back` indexes before a past event (chosen by `pick`), never before the sequence. */
  | { ref: "eventIndex"; pick: number; back: number }
  /** An index more than 1000 events in the past (history cleared). */
  | { ref: "clearedIndex"; back: number }
  /** The index the next event will get (a watch that must wait). */
  | { ref: "nextIndex" }
  /** The current index minus `minus` (for hand-written scenarios). */
  | { ref: "lastIndex"; minus: number };

export type ParamValue = string | Ref;
export type Param = readonly [name: string, value: ParamValue];

/** Where a request goes, relative to the sequence's key prefix. */
export type OpTarget =
  /** A raw, already percent-encoded path below the prefix; "" is the prefix dir. */
  | { kind: "path"; path: string }
  /** An in-order key POSTed earlier under `dir` (falls back to a missing key). */
  | { kind: "inorder"; dir: string; pick: number }
  /** The key of a past event, or its parent directory (for recursive watches). */
  | { kind: "event"; pick: number; parent: boolean };

export interface Op {
  /** What the op exercises; used for coverage counts and failure reports. */
  label: string;
  method: Method;
  target: OpTarget;
  query: Param[];
  /** Form-encoded body parameters; null sends no body. */
  form: Param[] | null;
  /**
   * For a watch that has to wait: ops sent one after another once the watch
   * is waiting on every server; the last of them must wake it.
   */
  during?: Op[];
}

// The key space: up to three levels, hidden names at each level, and few
// enough names that operations keep colliding (files under files, dirs over
// files, ...). Some names are mostly used as directories, the others as
// leaves, so that writes succeed often enough to build up interesting trees.
const DIR_KEYS = ["a", "b", "_x", "a/c", "b/c"];
const LEAF_KEYS = ["f", "_h", "a/f", "a/_y", "b/g", "_x/c", "a/c/e", "a/c/_z", "b/c/e", "sp ace", "ü", "pl+us"];
const INORDER_DIRS = ["q", "a/q", "a", "b/c"];
const VALUES = ["v1", "v2", "v3", "hello world", "ü-ñ", "a+b&c=d%", "line1\nline2", ""];

/** A key path; `leafBias` is the chance of a leaf name rather than a directory name. */
function pickPath(rng: Prng, leafBias = 0.85): string {
  return rng.pick(rng.chance(leafBias) ? LEAF_KEYS : DIR_KEYS);
}

function pickValue(rng: Prng): string {
  return rng.chance(0.6) ? `v${rng.int(0, 30)}` : rng.pick(VALUES);
}

/** Percent-encodes each segment of a slash-separated path. */
export function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

function at(path: string): OpTarget {
  return { kind: "path", path: encodePath(path) };
}

/** Per-sequence counters, so that generated names are fresh. */
interface GenState {
  watches: number;
}

type Maker = (rng: Prng, state: GenState) => Op | Op[];

const set: Maker = (rng) => {
  const path = pickPath(rng);
  const value = pickValue(rng);
  const ttl: Param[] = rng.chance(0.1) ? [["ttl", "100"]] : [];
  const where = rng.weighted([["body", 75], ["query", 15], ["both", 5], ["none", 5]] as const);
  switch (where) {
    case "body":
      return { label: "set", method: "PUT", target: at(path), query: [], form: [["value", value], ...ttl] };
    case "query":
      return { label: "set:query", method: "PUT", target: at(path), query: [["value", value], ...ttl], form: null };
    case "both":
      return {
        label: "set:body-wins",
        method: "PUT",
        target: at(path),
        query: [["value", "from-query"]],
        form: [["value", value], ...ttl],
      };
    case "none":
      return { label: "set:no-value", method: "PUT", target: at(path), query: ttl, form: [] };
  }
};

const create: Maker = (rng) => {
  const path = pickPath(rng);
  if (rng.chance(0.2)) {
    return {
      label: "create:dir",
      method: "PUT",
      target: at(path),
      query: [["prevExist", "false"], ["dir", "true"]],
      form: null,
    };
  }
  return {
    label: "create",
    method: "PUT",
    target: at(path),
    query: [["prevExist", "false"]],
    form: [["value", pickValue(rng)]],
  };
};

const update: Maker = (rng) => {
  const path = pickPath(rng);
  const ttl = rng.weighted([["none", 60], ["100", 25], ["", 15]] as const);
  const form: Param[] = [["value", pickValue(rng)]];
  if (ttl !== "none") form.push(["ttl", ttl]);
  return {
    label: ttl === "" ? "update:clear-ttl" : "update",
    method: "PUT",
    target: at(path),
    query: [["prevExist", "true"]],
    form,
  };
};

const post: Maker = (rng) => {
  const dir = rng.chance(0.1) ? pickPath(rng, 0.5) : rng.pick(INORDER_DIRS);
  const variant = rng.weighted([["value", 75], ["dir", 15], ["none", 10]] as const);
  if (variant === "dir") {
    return { label: "post:dir", method: "POST", target: at(dir), query: [["dir", "true"]], form: null };
  }
  if (variant === "none") return { label: "post:no-value", method: "POST", target: at(dir), query: [], form: null };
  return { label: "post", method: "POST", target: at(dir), query: [], form: [["value", pickValue(rng)]] };
};

/** Compare conditions, right or wrong, as etcdctl sends them (in the query). */
function conditions(rng: Prng, path: string): { label: string; query: Param[] } {
  const wrongDelta = () => rng.pick([-1, 1, 7, 1000]);
  const variant = rng.weighted(
    [
      ["value", 25],
      ["value-wrong", 15],
      ["index", 20],
      ["index-wrong", 15],
      ["both", 10],
      ["both-index-wrong", 5],
      ["both-value-wrong", 5],
      ["both-wrong", 5],
    ] as const,
  );
  const value: Param = ["prevValue", { ref: "valueOf", path }];
  const wrongValue: Param = ["prevValue", `not-${pickValue(rng)}`];
  const index: Param = ["prevIndex", { ref: "indexOf", path, delta: 0 }];
  const wrongIndex: Param = ["prevIndex", { ref: "indexOf", path, delta: wrongDelta() }];
  const query: Param[] = {
    "value": [value],
    "value-wrong": [wrongValue],
    "index": [index],
    "index-wrong": [wrongIndex],
    "both": [value, index],
    "both-index-wrong": [value, wrongIndex],
    "both-value-wrong": [wrongValue, index],
    "both-wrong": [wrongValue, wrongIndex],
  }[variant];
  return { label: variant, query };
}

const compareAndSwap: Maker = (rng) => {
  const path = pickPath(rng);
  const cond = conditions(rng, path);
  const query = [...cond.query];
  if (rng.chance(0.15)) query.push(["prevExist", "true"]);
  return { label: `cas:${cond.label}`, method: "PUT", target: at(path), query, form: [["value", pickValue(rng)]] };
};

const remove: Maker = (rng) => {
  return { label: "delete", method: "DELETE", target: at(pickPath(rng, 0.7)), query: [], form: null };
};

const compareAndDelete: Maker = (rng) => {
  const path = pickPath(rng);
  const cond = conditions(rng, path);
  if (rng.chance(0.1)) {
    // Go parses no form body on DELETE: these conditions must be ignored.
    return { label: `cad:in-body:${cond.label}`, method: "DELETE", target: at(path), query: [], form: cond.query };
  }
  return { label: `cad:${cond.label}`, method: "DELETE", target: at(path), query: cond.query, form: null };
};

const mkdir: Maker = (rng) => {
  const path = pickPath(rng, 0.25);
  const variant = rng.weighted([["plain", 50], ["prevExist=false", 20], ["prevExist=true", 20], ["ttl", 10]] as const);
  const query: Param[] = [["dir", "true"]];
  if (variant === "prevExist=false") query.push(["prevExist", "false"]);
  if (variant === "prevExist=true") query.push(["prevExist", "true"]);
  if (variant === "ttl") query.push(["ttl", "100"]);
  return { label: `mkdir:${variant}`, method: "PUT", target: at(path), query, form: null };
};

const rmdir: Maker = (rng) => {
  const path = rng.chance(0.1) ? rng.pick(INORDER_DIRS) : pickPath(rng, 0.2);
  const variant = rng.weighted([["dir", 45], ["recursive", 40], ["both", 15]] as const);
  const query: Param[] = variant === "dir"
    ? [["dir", "true"]]
    : variant === "recursive"
    ? [["recursive", "true"]]
    : [["dir", "true"], ["recursive", "true"]];
  return { label: `rmdir:${variant}`, method: "DELETE", target: at(path), query, form: null };
};

const get: Maker = (rng) => {
  const path = rng.weighted([["key", 70], ["prefix", 15], ["inorder-dir", 15]] as const);
  const target = path === "prefix" ? at("") : at(path === "key" ? pickPath(rng, 0.5) : rng.pick(INORDER_DIRS));
  const variant = rng.weighted(
    [["plain", 35], ["recursive", 30], ["sorted", 25], ["sorted-only", 5], ["head", 5]] as const,
  );
  const query: Param[] = variant === "recursive"
    ? [["recursive", "true"]]
    : variant === "sorted"
    ? [["recursive", "true"], ["sorted", "true"]]
    : variant === "sorted-only"
    ? [["sorted", "true"]]
    : [];
  const method = variant === "head" ? "HEAD" : "GET";
  return { label: `get:${variant}`, method, target, query, form: null };
};

const ttl: Maker = (rng) => {
  const path = pickPath(rng);
  const variant = rng.weighted(
    [
      ["set", 30],
      ["clear", 20],
      ["abc", 15],
      ["-1", 10],
      ["1.5", 10],
      ["on-delete-abc", 5],
      ["create", 10],
    ] as const,
  );
  switch (variant) {
    case "set":
      return {
        label: "ttl:set",
        method: "PUT",
        target: at(path),
        query: [],
        form: [["value", pickValue(rng)], ["ttl", "100"]],
      };
    case "clear":
      return {
        label: "ttl:clear",
        method: "PUT",
        target: at(path),
        query: [["ttl", ""]],
        form: [["value", pickValue(rng)]],
      };
    case "create":
      return {
        label: "ttl:create",
        method: "PUT",
        target: at(path),
        query: [["prevExist", "false"], ["ttl", "100"]],
        form: [["value", pickValue(rng)]],
      };
    case "on-delete-abc":
      return { label: "ttl:bad-on-delete", method: "DELETE", target: at(path), query: [["ttl", "abc"]], form: null };
    default:
      return {
        label: `ttl:bad:${variant}`,
        method: "PUT",
        target: at(path),
        query: [],
        form: [["value", "v"], ["ttl", variant]],
      };
  }
};

const refresh: Maker = (rng) => {
  const path = pickPath(rng);
  const variant = rng.weighted(
    [
      ["plain", 35],
      ["prevExist", 25],
      ["prevValue", 15],
      ["no-ttl", 10],
      ["with-value", 10],
      ["empty-ttl", 5],
    ] as const,
  );
  const query: Param[] = [["refresh", "true"]];
  if (variant !== "no-ttl") query.push(["ttl", variant === "empty-ttl" ? "" : "100"]);
  if (variant === "prevExist") query.push(["prevExist", "true"]);
  if (variant === "prevValue") query.push(["prevValue", { ref: "valueOf", path }]);
  const form: Param[] | null = variant === "with-value" ? [["value", pickValue(rng)]] : null;
  return { label: `refresh:${variant}`, method: "PUT", target: at(path), query, form };
};

const wait: Maker = (rng) => {
  const pick = rng.int(0, 1 << 30);
  const parent = rng.chance(0.3);
  const query: Param[] = [["wait", "true"], ["waitIndex", {
    ref: "eventIndex",
    pick,
    back: rng.pick([0, 0, 1, 2, 5]),
  }]];
  if (parent) query.push(["recursive", "true"]);
  return {
    label: parent ? "wait:recursive" : "wait",
    method: "GET",
    target: { kind: "event", pick, parent },
    query,
    form: null,
  };
};

const waitCleared: Maker = (rng) => {
  const query: Param[] = [["wait", "true"], ["waitIndex", { ref: "clearedIndex", back: rng.int(1, 40) }]];
  return { label: "wait:cleared", method: "GET", target: at(pickPath(rng)), query, form: null };
};

const inorder: Maker = (rng) => {
  const target: OpTarget = { kind: "inorder", dir: rng.pick(INORDER_DIRS), pick: rng.int(0, 1 << 30) };
  const variant = rng.weighted([["get", 40], ["delete", 30], ["set", 30]] as const);
  if (variant === "get") return { label: "inorder:get", method: "GET", target, query: [], form: null };
  if (variant === "delete") return { label: "inorder:delete", method: "DELETE", target, query: [], form: null };
  return { label: "inorder:set", method: "PUT", target, query: [], form: [["value", pickValue(rng)]] };
};

const badInput: Maker = (rng) => {
  const path = pickPath(rng);
  const t = at(path);
  const variant = rng.weighted(
    [
      ["prevIndex=abc", 10],
      ["prevIndex=-1", 5],
      ["waitIndex=x", 10],
      ["prevExist=maybe", 8],
      ["recursive=abc", 8],
      ["sorted=yes", 5],
      ["dir=yes", 5],
      ["dir+value", 10],
      ["prevValue=", 8],
      ["wait-on-put", 6],
      ["patch", 8],
      ["options", 4],
      ["post-prevExist", 5],
      ["refresh=abc", 4],
    ] as const,
  );
  const op = (method: Method, query: Param[], form: Param[] | null = null): Op => ({
    label: `bad:${variant}`,
    method,
    target: t,
    query,
    form,
  });
  switch (variant) {
    case "prevIndex=abc":
      return op("PUT", [["prevIndex", "abc"]], [["value", "v"]]);
    case "prevIndex=-1":
      return op("DELETE", [["prevIndex", "-1"]]);
    case "waitIndex=x":
      return op("GET", [["wait", "true"], ["waitIndex", "x"]]);
    case "prevExist=maybe":
      return op("PUT", [["prevExist", "maybe"]], [["value", "v"]]);
    case "recursive=abc":
      return op("GET", [["recursive", "abc"]]);
    case "sorted=yes":
      return op("GET", [["sorted", "yes"]]);
    case "dir=yes":
      return op("PUT", [["dir", "yes"]]);
    case "dir+value":
      return op("PUT", [["dir", "true"]], [["value", pickValue(rng)]]);
    case "prevValue=":
      return op("PUT", [["prevValue", ""]], [["value", "v"]]);
    case "wait-on-put":
      return op("PUT", [["wait", "true"]], [["value", "v"]]);
    case "patch":
      return op("PATCH", [], [["value", "v"]]);
    case "options":
      return op("OPTIONS", []);
    case "post-prevExist":
      return op("POST", [["prevExist", "true"]], [["value", "v"]]);
    case "refresh=abc":
      return op("PUT", [["refresh", "abc"], ["ttl", "100"]]);
  }
};

const pathQuirk: Maker = (rng) => {
  const path = rng.pick(["a/c", "b/c", "a/f", "b/g", "a/c/e", "b/c/e"]);
  const variant = rng.weighted([["trailing-slash", 40], ["encoded-slash", 40], ["double-slash", 20]] as const);
  const raw = variant === "trailing-slash"
    ? `${encodePath(path)}/`
    : variant === "encoded-slash"
    ? path.split("/").map(encodeURIComponent).join("%2F")
    : path.split("/").map(encodeURIComponent).join("//");
  const method = rng.chance(0.5) ? "GET" : "PUT";
  const form: Param[] | null = method === "PUT" ? [["value", pickValue(rng)]] : null;
  return { label: `path:${variant}`, method, target: { kind: "path", path: raw }, query: [], form };
};

// Watches that wait for an event, woken by ops sent meanwhile. They live
// under their own directory "w" that other ops never touch, so the final
// write of `during` always succeeds and always wakes the watch.
const watchWake: Maker = (rng, state) => {
  const name = `k${state.watches++}`;
  const key = `w/${name}`;
  const watch = (query: Param[], during: Op[], path = key): Op => ({
    label: "",
    method: "GET",
    target: at(path),
    query: [["wait", "true"], ...query],
    form: null,
    during,
  });
  const put = (path: string, query: Param[] = [], value = pickValue(rng)): Op => ({
    label: "wake:put",
    method: "PUT",
    target: at(path),
    query,
    form: [["value", value]],
  });
  const variant = rng.weighted(
    [
      ["next-event", 25],
      ["next-index", 20],
      ["recursive-hidden", 15],
      ["dir-delete", 15],
      ["refresh-skipped", 15],
      ["failed-cas-skipped", 10],
    ] as const,
  );
  const label = `wake:${variant}`;
  switch (variant) {
    case "next-event":
      return { ...watch([], [put(key)]), label };
    case "next-index":
      return { ...watch([["waitIndex", { ref: "nextIndex" }]], [put(key)]), label };
    case "recursive-hidden":
      // A hidden key's change does not wake a recursive watcher above it.
      return { ...watch([["recursive", "true"]], [put(`w/_${name}`), put(key)], "w"), label };
    case "dir-delete":
      return [
        put(key),
        {
          ...watch([], [{
            label: "wake:rm-w",
            method: "DELETE",
            target: at("w"),
            query: [["recursive", "true"]],
            form: null,
          }]),
          label,
        },
      ];
    case "refresh-skipped":
      return [
        put(key, [["ttl", "100"]]),
        {
          ...watch([], [
            {
              label: "wake:refresh",
              method: "PUT",
              target: at(key),
              query: [["refresh", "true"], ["ttl", "100"]],
              form: null,
            },
            put(key),
          ]),
          label,
        },
      ];
    case "failed-cas-skipped":
      return [
        put(key, [], "before"),
        { ...watch([], [put(key, [["prevValue", "wrong"]]), put(key, [["prevValue", "before"]])]), label },
      ];
  }
};

const MAKERS: readonly (readonly [Maker, number])[] = [
  [set, 14],
  [create, 6],
  [update, 6],
  [post, 5],
  [compareAndSwap, 10],
  [remove, 5],
  [compareAndDelete, 6],
  [mkdir, 5],
  [rmdir, 5],
  [get, 12],
  [ttl, 5],
  [refresh, 4],
  [wait, 6],
  [waitCleared, 3],
  [watchWake, 3],
  [inorder, 3],
  [badInput, 5],
  [pathQuirk, 2],
];

/** The request sequence for a seed: 50–200 ops, the same on every run. */
export function generateOps(seed: number): Op[] {
  const rng = new Prng(seed);
  const state: GenState = { watches: 0 };
  const count = rng.int(50, 200);
  const ops: Op[] = [];
  while (ops.length < count) ops.push(...[rng.weighted(MAKERS)(rng, state)].flat());
  return ops.slice(0, count).map((op) => respell(rng, op));
}

/** The spellings Go's strconv.ParseBool accepts, which etcd uses for every flag. */
export const GO_TRUE = ["1", "t", "T", "TRUE", "true", "True"];
export const GO_FALSE = ["0", "f", "F", "FALSE", "false", "False"];

/** Now and then, spells a boolean flag differently (or, rarely, wrongly). */
function respell(rng: Prng, op: Op): Op {
  const spell = (params: Param[]): Param[] =>
    params.map(([name, value]): Param => {
      if ((value !== "true" && value !== "false") || !rng.chance(0.08)) return [name, value];
      if (rng.chance(0.1)) return [name, value === "true" ? "tRUE" : "no"];
      return [name, rng.pick(value === "true" ? GO_TRUE : GO_FALSE)];
    });
  return {
    ...op,
    query: spell(op.query),
    form: op.form === null ? null : spell(op.form),
    // `during` is left alone: its last op must still wake the watch.
  };
}
