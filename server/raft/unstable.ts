// The tail of the log that raft has accepted but the application has not yet
// persisted: entries from `offset` on, and possibly an incoming snapshot.
// Once a Ready carrying them is advanced they move to stable storage.

import type { Entry, Snapshot } from "./types.ts";
import { pushAll } from "./util.ts";

export class Unstable {
  /** A snapshot received from the leader, not yet persisted. */
  snapshot: Snapshot | undefined = undefined;
  /** entries[i] has index offset + i. Never shared with callers: they get copies. */
  entries: Entry[] = [];
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  /** The first index, if a snapshot is pending (otherwise storage knows). */
  maybeFirstIndex(): number | undefined {
    return this.snapshot ? this.snapshot.metadata.index + 1 : undefined;
  }

  /** The last index, if there are unstable entries or a pending snapshot. */
  maybeLastIndex(): number | undefined {
    if (this.entries.length !== 0) return this.offset + this.entries.length - 1;
    return this.snapshot ? this.snapshot.metadata.index : undefined;
  }

  /** The term of index i, if this unstable part knows it. */
  maybeTerm(i: number): number | undefined {
    if (i < this.offset) {
      if (this.snapshot && this.snapshot.metadata.index === i) {
        return this.snapshot.metadata.term;
      }
      return undefined;
    }
    const last = this.maybeLastIndex();
    if (last === undefined || i > last) return undefined;
    return this.entries[i - this.offset].term;
  }

  /**
   * Entries up to (i, t) were persisted. If the entry at i has since been
   * replaced by one of another term, nothing is dropped: the newer entry is
   * still unpersisted.
   */
  stableTo(i: number, t: number): void {
    const gt = this.maybeTerm(i);
    if (gt === undefined) return;
    if (gt === t && i >= this.offset) {
      this.entries = this.entries.slice(i + 1 - this.offset);
      this.offset = i + 1;
    }
  }

  stableSnapTo(i: number): void {
    if (this.snapshot && this.snapshot.metadata.index === i) {
      this.snapshot = undefined;
    }
  }

  restore(s: Snapshot): void {
    this.offset = s.metadata.index + 1;
    this.entries = [];
    this.snapshot = s;
  }

  /** Appends ents, first dropping any unstable entries at or after ents[0].index. */
  truncateAndAppend(ents: Entry[]): void {
    const after = ents[0].index;
    if (after === this.offset + this.entries.length) {
      pushAll(this.entries, ents);
    } else if (after <= this.offset) {
      // Replaces the whole unstable part (and shadows stored entries from `after` on).
      this.offset = after;
      this.entries = ents.slice();
    } else {
      const kept = this.entries.slice(0, after - this.offset);
      pushAll(kept, ents);
      this.entries = kept;
    }
  }

  /** Entries in [lo, hi); the caller has checked the bounds. */
  slice(lo: number, hi: number): Entry[] {
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
