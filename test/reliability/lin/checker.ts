// A linearizability checker for a history of register operations, one
// register per key: Wing & Gong's search, in Lowe's just-in-time form, with
// memoization of (set of linearized operations, register value) as Knossos and
// Porcupine do. Pure: no I/O, no clocks.

/** The value of a register; null means the key does not exist. */
export type Value = string | null;

/**
 * ok: the operation took effect (a read saw `value`).
 * fail: it definitely did not take effect (for a CAS: the compare failed).
 * unknown: it may or may not have taken effect, at any time after its call.
 */
export type Outcome = "ok" | "fail" | "unknown";

export interface Op {
  /** Unique within the history; used in counterexamples. */
  id: number;
  client: number;
  key: string;
  kind: "read" | "write" | "cas";
  /** read: the value seen; write and cas: the value written. */
  value: Value;
  /** cas only: the value compared against. */
  expect?: Value;
  outcome: Outcome;
  /** Invocation time. */
  call: number;
  /** Completion time; ignored (taken as +infinity) when outcome is unknown. */
  ret: number;
}

export interface KeyResult {
  key: string;
  ok: boolean;
  /** Set when the search gave up (budget exhausted): neither proven nor refuted. */
  gaveUp?: boolean;
  ops: number;
  /**
   * Set when the failure was found only with unknown writes nobody observed
   * left out (the search with them gave up). Such writes can matter only to
   * explain a failed CAS, so a human should look at those in the counterexample.
   */
  unconfirmed?: boolean;
  /** On failure: the smallest failing prefix of this key's history. */
  counterexample?: Counterexample;
}

export interface Counterexample {
  /** The operation that no linearization of the prefix can place. */
  failing: Op;
  /** The operations of the prefix around the failing one (concurrent with it, and the last few before it). */
  involved: Op[];
  /** The longest partial linearization found (op ids, in order). */
  longest: number[];
  /** Number of operations in the smallest failing prefix. */
  prefixOps: number;
}

export interface CheckResult {
  ok: boolean;
  keys: KeyResult[];
}

export interface CheckOptions {
  /** Register value of every key before the history; default null (absent). */
  initial?: Value;
  /** Give up on a key after this many search steps; default 5,000,000. */
  budget?: number;
}

/** Checks every key's sub-history on its own (linearizability is local). */
export function check(history: Op[], opts: CheckOptions = {}): CheckResult {
  const byKey = new Map<string, Op[]>();
  for (const op of history) {
    const list = byKey.get(op.key) ?? [];
    list.push(op);
    byKey.set(op.key, list);
  }
  const keys = [...byKey.keys()].sort().map((k) => checkKey(k, byKey.get(k)!, opts));
  return { ok: keys.every((k) => k.ok), keys };
}

/** Checks one key's history; on failure finds the smallest failing prefix. */
export function checkKey(key: string, ops: Op[], opts: CheckOptions = {}): KeyResult {
  const initial = opts.initial ?? null;
  const budget = opts.budget ?? 5_000_000;
  const relevant = withObservedWritesDone(ops.filter(constrains));
  // First without the unknown writes nobody observed, whose every subset
  // would otherwise be tried. Dropping them can only make the search
  // stricter, so a pass is final; a failure is confirmed on everything when
  // that search finishes within the budget.
  const pruned = withoutUnobserved(relevant);
  const fast = search(pruned, initial, budget);
  if (fast.verdict === "ok") return { key, ok: true, ops: ops.length };
  const full = pruned.length < relevant.length ? search(relevant, initial, budget) : fast;
  if (full.verdict === "ok") return { key, ok: true, ops: ops.length };
  if (full.verdict === "gaveUp" && fast.verdict === "gaveUp") return { key, ok: false, gaveUp: true, ops: ops.length };
  const basis = full.verdict === "fail" ? relevant : pruned;
  const unconfirmed = basis !== relevant;
  const done = basis.filter((o) => o.outcome !== "unknown").sort((a, b) => a.ret - b.ret);
  let lo = 1, hi = done.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (search(prefix(basis, done[mid - 1].ret), initial, budget).verdict === "fail") hi = mid;
    else lo = mid + 1;
  }
  const pre = prefix(basis, done[lo - 1].ret);
  const best = search(pre, initial, budget);
  const failing = done[lo - 1];
  const before = pre.filter((o) => o.outcome !== "unknown" && o.ret < failing.call).sort((a, b) => a.ret - b.ret).slice(-3);
  const concurrent = pre.filter((o) => o !== failing && (o.outcome === "unknown" || o.ret >= failing.call) && o.call <= failing.ret);
  // Where the value a failing read or CAS saw came from, if anyone wrote it.
  const seen = failing.kind === "read" ? failing.value : failing.kind === "cas" ? failing.expect : undefined;
  const sources = pre.filter((o) => o.kind !== "read" && seen !== undefined && o.value === seen && !before.includes(o) && !concurrent.includes(o));
  const involved = [...sources, ...before, ...concurrent, failing].sort((a, b) => a.call - b.call);
  return {
    key,
    ok: false,
    ...(unconfirmed ? { unconfirmed } : {}),
    ops: ops.length,
    counterexample: { failing, involved, longest: best.longest, prefixOps: pre.length },
  };
}

/** Whether an operation constrains the history at all. */
function constrains(op: Op): boolean {
  if (op.outcome === "ok") return true;
  // A CAS whose compare definitely failed still saw a value other than `expect`.
  if (op.outcome === "fail") return op.kind === "cas";
  // A read that may not have happened tells nothing; a write or CAS may have.
  return op.kind !== "read";
}

/**
 * An unknown write or CAS whose value only it writes, and which some completed
 * op observed (read it, or compared against it successfully), must have taken
 * effect before that op completed: give it that completion. This is exact and
 * keeps the search from trying it at every later point.
 */
function withObservedWritesDone(ops: Op[]): Op[] {
  const writers = new Map<Value, number>();
  for (const o of ops) if (o.kind !== "read") writers.set(o.value, (writers.get(o.value) ?? 0) + 1);
  const firstSeen = new Map<Value, number>();
  for (const o of ops) {
    if (o.outcome !== "ok") continue;
    const seen = o.kind === "read" ? o.value : o.kind === "cas" ? (o.expect ?? null) : undefined;
    if (seen === undefined) continue;
    firstSeen.set(seen, Math.min(firstSeen.get(seen) ?? Infinity, o.ret));
  }
  return ops.map((o) => {
    const by = firstSeen.get(o.value);
    if (o.outcome !== "unknown" || o.kind === "read" || writers.get(o.value) !== 1 || by === undefined || by < o.call) return o;
    return { ...o, outcome: "ok" as const, ret: by };
  });
}

/** Drops unknown writes and CASes whose value no op read or compared against. */
function withoutUnobserved(ops: Op[]): Op[] {
  const observed = new Set<Value>();
  for (const o of ops) {
    if (o.kind === "read") observed.add(o.value);
    if (o.kind === "cas") observed.add(o.expect ?? null);
  }
  return ops.filter((o) => o.outcome !== "unknown" || observed.has(o.value));
}

/** The history as it stood at time `cut`: later calls dropped, later completions unknown. */
function prefix(ops: Op[], cut: number): Op[] {
  return ops.filter((o) => o.call <= cut).map((o) => (o.outcome !== "unknown" && o.ret > cut ? { ...o, outcome: "unknown" as const } : o)).filter(constrains);
}

/** Applies an op to the register: the new value, or undefined if the op cannot happen now. */
function step(state: Value, op: Op): Value | undefined {
  switch (op.kind) {
    case "read":
      return state === op.value ? state : undefined;
    case "write":
      return op.value;
    case "cas":
      if (op.outcome === "fail") return state !== op.expect ? state : undefined;
      return state === op.expect ? op.value : undefined;
  }
}

interface Search {
  verdict: "ok" | "fail" | "gaveUp";
  longest: number[];
}

/**
 * Lowe's just-in-time linearization. Events (calls and completions) sit in a
 * doubly linked list in time order. Walking it, each call is tried as the next
 * linearization point; linearizing an op lifts its events out of the list and
 * restarts from the head. Reaching a completion whose op is not yet linearized
 * means the current choice is wrong: undo the last one and try further along.
 * Unknown ops have no completion, so they may be linearized late or never.
 */
function search(ops: Op[], initial: Value, budget: number): Search {
  const n = ops.length;
  // Event e < n is op e's call; e >= n is op (e - n)'s completion.
  const events: number[] = [];
  for (let i = 0; i < n; i++) {
    events.push(i);
    if (ops[i].outcome !== "unknown") events.push(n + i);
  }
  const time = (e: number) => (e < n ? ops[e].call : ops[e - n].ret);
  // Calls before completions at equal times: such ops count as concurrent.
  events.sort((a, b) => time(a) - time(b) || (a < n ? 0 : 1) - (b < n ? 0 : 1));
  const HEAD = 2 * n, NIL = -1;
  const next = new Int32Array(2 * n + 1).fill(NIL);
  const prev = new Int32Array(2 * n + 1).fill(NIL);
  let last = HEAD;
  for (const e of events) {
    next[last] = e;
    prev[e] = last;
    last = e;
  }
  let returnsLeft = events.length - n;

  const unlink = (e: number) => {
    next[prev[e]] = next[e];
    if (next[e] !== NIL) prev[next[e]] = prev[e];
  };
  const relink = (e: number) => {
    next[prev[e]] = e;
    if (next[e] !== NIL) prev[next[e]] = e;
  };
  const hasReturn = (i: number) => ops[i].outcome !== "unknown";

  const words = new Uint32Array((n + 31) >>> 5);
  const seen = new Set<string>();
  const stack: { op: number; state: Value }[] = [];
  let longest: number[] = [];
  let state = initial;
  let entry = next[HEAD];
  let steps = 0;

  while (returnsLeft > 0) {
    if (++steps > budget) return { verdict: "gaveUp", longest };
    if (entry !== NIL && entry < n) {
      const i = entry;
      const after = step(state, ops[i]);
      if (after !== undefined) {
        words[i >>> 5] |= 1 << (i & 31);
        const memo = `${after === null ? "\u0000" : "v" + after}|${words.join(",")}`;
        if (!seen.has(memo)) {
          seen.add(memo);
          stack.push({ op: i, state });
          if (stack.length > longest.length) longest = stack.map((s) => ops[s.op].id);
          state = after;
          unlink(i);
          if (hasReturn(i)) {
            unlink(n + i);
            returnsLeft--;
          }
          entry = next[HEAD];
          continue;
        }
        words[i >>> 5] &= ~(1 << (i & 31));
      }
      entry = next[i];
      continue;
    }
    // A completion of an op not yet linearized (or the end): backtrack.
    const top = stack.pop();
    if (top === undefined) return { verdict: "fail", longest };
    const i = top.op;
    words[i >>> 5] &= ~(1 << (i & 31));
    state = top.state;
    if (hasReturn(i)) {
      relink(n + i);
      returnsLeft++;
    }
    relink(i);
    entry = next[i];
  }
  return { verdict: "ok", longest };
}

/** A one-line human description of an op, for reports. */
export function describe(op: Op): string {
  const v = (x: Value | undefined) => (x === null || x === undefined ? "nil" : JSON.stringify(x));
  const what = op.kind === "read" ? `read -> ${v(op.value)}` : op.kind === "write" ? `write ${v(op.value)}` : `cas ${v(op.expect)} -> ${v(op.value)}`;
  const end = op.outcome === "unknown" ? "?" : op.ret.toFixed(1);
  return `#${op.id} c${op.client} ${op.key} ${what} ${op.outcome} [${op.call.toFixed(1)}, ${end}]`;
}
