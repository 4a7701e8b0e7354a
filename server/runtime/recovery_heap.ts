// Keeps a member's memory after a restart close to what its data needs.
//
// Rebuilding the store from disk allocates far more than it keeps: the
// snapshot's text (8.5 MB for 100k keys), the arrays JSON.parse makes of it,
// and the log entries replayed after it. Left alone, V8 answers that burst by
// growing the young generation to its largest (2 × 16 MiB), which stays
// resident, and the garbage stays in the old generation until V8's memory
// reducer runs 10–30 s later: 128–131 MiB two seconds after a restart with
// 100k keys, against 108–111 MiB for etcd. So while recovering, the young
// generation keeps its starting size, and once the log is applied again one
// compacting full collection returns the garbage: 91 MiB, with recovery as
// fast as before (the collection takes tens of milliseconds).
//
// Both use V8 switches set at run time. Node's V8 reads them when it uses
// them (the young generation's growth factor at each resize, compaction at
// each full collection, the gc function when a context is made); Deno's V8
// ignores the growth factor then, and there the collection alone shrinks the
// young generation. Where a runtime refuses a switch, nothing changes.

import v8 from "node:v8";
import process from "node:process";
import vm from "node:vm";

/** V8's own --semi-space-growth-factor. */
const DEFAULT_GROWTH_FACTOR = 2;

function setV8Flag(flag: string): boolean {
  try {
    v8.setFlagsFromString(flag);
    return true;
  } catch {
    return false;
  }
}

/**
 * Keeps the young generation at its current size until the returned
 * function is called (calling it again does nothing).
 */
export function holdYoungGeneration(): () => void {
  if (!setV8Flag("--semi-space-growth-factor=1")) return () => {};
  let held = true;
  return () => {
    if (held) setV8Flag(`--semi-space-growth-factor=${DEFAULT_GROWTH_FACTOR}`);
    held = false;
  };
}

let gcFunction: (() => void) | null | undefined;

/** V8's gc(), made in a throwaway context; null where the runtime offers none. */
function gcNow(): (() => void) | null {
  if (gcFunction !== undefined) return gcFunction;
  gcFunction = null;
  if (setV8Flag("--expose-gc")) {
    try {
      const gc = vm.runInNewContext("typeof gc === 'function' ? gc : null");
      if (typeof gc === "function") gcFunction = gc as () => void;
    } finally {
      // Only the context made here gets the function.
      setV8Flag("--no-expose-gc");
    }
  }
  return gcFunction;
}

/**
 * V8 13 (Node 24) keeps the pages a full collection empties in a pool, still
 * resident (after a 100k-key load: heap 62 MiB, RSS 381); only a collection
 * of the "last resort" flavour hands them back to the OS. V8 11 (Node 20)
 * does not know that form and then barely collects, so it is asked for
 * from V8 13 on (Deno's V8 frees the pages either way).
 */
const LAST_RESORT_FROM_V8 = 13;

const V8_MAJOR = Number.parseInt(process.versions.v8 ?? "0", 10) || 0;

/** Runs one full garbage collection now; false where the runtime offers none. */
export function collectGarbageNow(): boolean {
  const gc = gcNow();
  if (!gc) return false;
  const compact = setV8Flag("--compact-on-every-full-gc");
  if (V8_MAJOR >= LAST_RESORT_FROM_V8) {
    (gc as (opts: object) => void)({ type: "major", execution: "sync", flavor: "last-resort" });
  } else gc();
  if (compact) setV8Flag("--no-compact-on-every-full-gc");
  return true;
}
