// Hand-written sequences for corners that random sequences reach rarely or
// not at all: quirks observed in etcd 3.4 (see ETCD-OBSERVED.md), expiry
// (slow, so kept out of the random mix), and history scans.
import { encodePath, type Op, type Param } from "./ops.ts";
import type { Sequence } from "./run.ts";

export interface Scenario {
  name: string;
  ops: Op[];
}

type Method = Op["method"];

function op(method: Method, path: string, query: Param[] = [], form: Param[] | null = null): Op {
  return { label: `${method} ${path}`, method, target: { kind: "path", path: encodePath(path) }, query, form };
}

const put = (path: string, query: Param[] = [], value: string | null = "v") =>
  op("PUT", path, query, value === null ? null : [["value", value]]);
const get = (path: string, query: Param[] = []) => op("GET", path, query);
const del = (path: string, query: Param[] = [], form: Param[] | null = null) => op("DELETE", path, query, form);

/** A watch that has to wait; `during` runs once it waits and must wake it (or nothing, for expiry). */
function watch(path: string, query: Param[], during: Op[]): Op {
  return { ...get(path, [["wait", "true"], ...query]), label: `watch ${path}`, during };
}

/** A scenario as a runnable sequence below its own prefix. */
export function scenarioSequence(s: Scenario, prefixTag = ""): Sequence {
  return {
    name: `scenario ${s.name}`,
    prefix: `/diffs-${s.name}${prefixTag}`,
    ops: s.ops,
    rerun: `DIFF_SCENARIOS=${s.name} DIFF_SEEDS=none npx deno test -A test/diff/diff.test.ts`,
  };
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: "dir-update",
    ops: [
      put("d", [["dir", "true"]], null),
      put("d", [["dir", "true"], ["prevExist", "true"]], null),
      get("d"), // etcd keeps the old modifiedIndex in the tree
      put("d", [["dir", "true"], ["prevExist", "true"], ["ttl", "100"]], null),
      get("d"),
      put("d", [["prevExist", "true"]], null), // no ttl: the TTL goes away
      get("d"),
      put("d", [["prevExist", "true"]], "x"), // a value on a dir
      put("d/x"),
      get("d", [["recursive", "true"]]),
      op("HEAD", "d"),
      op("HEAD", "nothing"),
    ],
  },
  {
    name: "file-dir-swaps",
    ops: [
      put("f"),
      put("f", [["dir", "true"]], null), // set dir=true over a file: empty dir
      get("f"),
      put("f", [], "again"), // a file over a dir: 102
      put("f", [["dir", "true"]], null), // dir over a dir: 102
      del("f", [["dir", "true"]]),
      put("f"),
      put("f", [["dir", "true"], ["prevExist", "true"]], null), // update of a file with dir=true: value ""
      get("f"),
      put("f", [["dir", "true"]], "ignored"), // dir=true wins over a value
      get("f"),
      del("f", [["dir", "true"]]),
      put("g"),
      del("g", [["dir", "true"]]), // dir=true deletes plain keys too
    ],
  },
  {
    name: "refresh",
    ops: [
      put("k", [["ttl", "100"]], "r"),
      put("k", [["refresh", "true"], ["ttl", "100"]], null), // refresh through set
      get("k"),
      put("k", [["refresh", "true"], ["ttl", "100"], ["prevExist", "true"]], null),
      get("k"),
      put("k", [["refresh", "true"], ["ttl", "100"], ["prevValue", { ref: "valueOf", path: "k" }]], null),
      put("k", [["refresh", "true"], ["ttl", "100"], ["prevIndex", { ref: "indexOf", path: "k", delta: 0 }]], null),
      // The last three events are refreshes, which a history scan skips.
      watch("k", [["waitIndex", { ref: "lastIndex", minus: 2 }]], [put("k", [], "woken")]),
      put("nokey", [["refresh", "true"], ["ttl", "100"]], null),
      put("k", [["refresh", "true"]], null),
      put("k", [["refresh", "true"], ["ttl", "100"]], "with-value"),
    ],
  },
  {
    name: "form-precedence",
    ops: [
      put("k", [], "one"),
      del("k", [], [["prevValue", "wrong"]]), // DELETE has no form body: plain delete
      put("k", [], "one"),
      op("PUT", "k", [["prevValue", "wrong"]], [["prevValue", "one"], ["value", "two"]]), // body wins
      op("PUT", "k", [["value", "query"]], [["value", "body"]]),
      get("k"),
      op("POST", "q", [["value", "from-query"]]),
      get("q", [["recursive", "true"]]),
      op("PUT", "k", [["ttl", "abc"]], [["ttl", "100"], ["value", "x"]]), // body ttl wins over a bad query ttl
      get("k"),
    ],
  },
  {
    name: "expiry",
    ops: [
      put("e", [["ttl", "1"]], "short"),
      watch("e", [["waitIndex", { ref: "nextIndex" }]], []), // woken by the expiry
      get("e"),
      get("e", [["wait", "true"], ["waitIndex", { ref: "lastIndex", minus: 0 }]]), // the expire event from history
      put("ed", [["dir", "true"], ["ttl", "1"]], null),
      put("ed/x", [], "child"),
      watch("ed/x", [], []), // a directory's expiry wakes watchers below it
      get("ed"),
      put("z", [["ttl", "0"]], "zero"), // ttl=0: expires at once (no ttl field)
      watch("z", [["waitIndex", { ref: "nextIndex" }]], []),
    ],
  },
  {
    name: "history-scan",
    ops: [
      put("a/b/c", [], "first"),
      del("a", [["recursive", "true"]]),
      put("a/b/c", [], "second"),
      get("a/b/c", [["wait", "true"], ["waitIndex", { ref: "lastIndex", minus: 1 }]]), // ancestor's delete matches
      get("a/b/c", [["wait", "true"], ["waitIndex", { ref: "lastIndex", minus: 2 }]]),
      get("a", [["wait", "true"], ["recursive", "true"], ["waitIndex", { ref: "lastIndex", minus: 2 }]]),
      get("a/b", [["wait", "true"], ["waitIndex", { ref: "lastIndex", minus: 1 }]]),
      watch("x", [["waitIndex", "0"]], [put("x")]), // waitIndex=0: from now on
      get("x", [["wait", "false"], ["waitIndex", "abc"]]),
      get("x", [["wait", "true"], ["waitIndex", { ref: "lastIndex", minus: 0 }], ["recursive", "true"]]),
    ],
  },
  {
    name: "hidden",
    ops: [
      put("h/_x", [], "hidden"),
      put("h/y", [], "shown"),
      put("h/_d/z", [], "in hidden dir"),
      get("h"),
      get("h", [["recursive", "true"]]),
      get("h", [["recursive", "true"], ["sorted", "true"]]),
      get("h/_x"),
      get("h/_d"),
      // A history scan does report hidden keys to a recursive watch ...
      get("h", [["wait", "true"], ["recursive", "true"], ["waitIndex", { ref: "lastIndex", minus: 2 }]]),
      // ... a live notification does not.
      watch("h", [["recursive", "true"]], [
        put("h/_x", [], "again"),
        put("h/_d/z", [], "again"),
        put("h/y", [], "wake"),
      ]),
      del("h/_d", [["recursive", "true"]]),
    ],
  },
  {
    name: "in-order",
    ops: [
      op("POST", "q", [], [["value", "one"]]),
      op("POST", "q"),
      op("POST", "q", [["dir", "true"]]),
      op("POST", "q", [["ttl", "100"]], [["value", "ttl"]]),
      get("q", [["recursive", "true"], ["sorted", "true"]]),
      get("q", [["sorted", "true"]]),
      del("q"),
      del("q", [["dir", "true"]]),
      del("q", [["recursive", "true"]]),
      op("POST", "file"),
      put("file2"),
      op("POST", "file2", [], [["value", "x"]]),
    ],
  },
  {
    name: "compare-edges",
    ops: [
      put("k", [], ""),
      put("k", [["prevValue", ""]], "x"),
      put("k", [["prevIndex", "0"]], "x"), // prevIndex=0: no condition, a plain set
      put("k", [["prevExist", "false"], ["prevValue", "x"]], "y"),
      put("k", [["prevExist", "true"], ["prevValue", "x"]], "y"),
      put("k", [["prevIndex", { ref: "indexOf", path: "k", delta: 0 }], ["prevValue", "wrong"]], "z"),
      put("k", [["prevIndex", { ref: "indexOf", path: "k", delta: 1 }], ["prevValue", "wrong"]], "z"),
      put("k", [["prevIndex", { ref: "indexOf", path: "k", delta: 1 }], ["prevValue", "y"]], "z"),
      put("missing", [["prevValue", "a"]], "z"),
      put("missing", [["prevIndex", "3"]], "z"),
      put("dir/x"),
      put("dir", [["prevValue", "a"]], "z"),
      del("dir", [["prevValue", "a"]]),
      del("dir", [["prevIndex", { ref: "indexOf", path: "dir/x", delta: 0 }]]),
      del("missing", [["prevIndex", "1"]]),
      del("k", [["prevValue", "y"], ["prevIndex", { ref: "indexOf", path: "k", delta: 0 }]]),
      del("k", [["prevExist", "false"]]),
    ],
  },
  {
    name: "keys-under-files",
    ops: [
      put("f", [], "file"),
      put("f/g"),
      put("f/g/h"),
      get("f/g/h"),
      del("f/g"),
      del("f/g", [["recursive", "true"]]),
      op("POST", "f/g"),
      put("f/g", [["dir", "true"]], null),
      get("nodir/x"),
      del("nodir/x/y"),
      // Watching a key below a file is allowed; deleting the file (not a dir) does not wake it.
      watch("f/g", [], [del("f"), put("f/g", [], "now")]),
    ],
  },
  {
    name: "paths",
    ops: [
      { ...put("p/q"), target: { kind: "path", path: "p%2Fq" } },
      get("p"),
      { ...get("p"), target: { kind: "path", path: "p/" } },
      { ...put("p/q"), target: { kind: "path", path: "p/q/" } },
      { ...get("p"), target: { kind: "path", path: "p//q" } },
      { ...del("p"), target: { kind: "path", path: "p//q" } },
      put("sp ace/ü/pl+us", [], "ü ñ &=+"),
      get("sp ace", [["recursive", "true"]]),
      { ...get("x"), target: { kind: "path", path: "pct%25" } },
    ],
  },
];
