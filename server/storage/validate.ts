// Argument checks for the public API: bad input is refused up front with a
// message that names the field, never written to the log.

import { WalUsageError } from "./errors.ts";
import type { HardState, SnapshotToSave, WalEntry } from "./types.ts";

function checkIndexLike(what: string, v: unknown, min: number): void {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
    throw new WalUsageError(`${what} must be an integer >= ${min}, got ${String(v)}`);
  }
}

function checkString(what: string, v: unknown): void {
  if (typeof v !== "string") throw new WalUsageError(`${what} must be a string, got ${typeof v}`);
}

export function checkEntry(e: WalEntry): void {
  if (typeof e !== "object" || e === null) throw new WalUsageError("entry must be an object");
  checkIndexLike("entry.index", e.index, 1);
  checkIndexLike("entry.term", e.term, 0);
  if (e.type !== "normal" && e.type !== "confChange") {
    throw new WalUsageError(`entry.type must be "normal" or "confChange", got ${String(e.type)}`);
  }
  checkString("entry.data", e.data);
}

export function checkHardState(hs: HardState): void {
  if (typeof hs !== "object" || hs === null) throw new WalUsageError("hard state must be an object");
  checkIndexLike("hardState.term", hs.term, 0);
  checkIndexLike("hardState.commit", hs.commit, 0);
  checkString("hardState.vote", hs.vote);
}

export function checkSnapshot(s: SnapshotToSave): void {
  if (typeof s !== "object" || s === null) throw new WalUsageError("snapshot must be an object");
  checkIndexLike("snapshot.index", s.index, 1);
  checkIndexLike("snapshot.term", s.term, 0);
  checkString("snapshot.meta", s.meta);
  if (typeof s.data !== "string" && !(s.data instanceof Uint8Array)) {
    throw new WalUsageError(`snapshot.data must be a string or a Uint8Array, got ${typeof s.data}`);
  }
}
