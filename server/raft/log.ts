// The raft log as one sequence: stable storage followed by the unstable
// tail. Tracks how far it is committed and applied.

import {
  CompactedError,
  RaftInvariantError,
  UnavailableError,
} from "./errors.ts";
import type { Storage } from "./storage.ts";
import type { Entry, Snapshot } from "./types.ts";
import { Unstable } from "./unstable.ts";
import { limitSize, pushAll } from "./util.ts";

export class RaftLog {
  readonly storage: Storage;
  readonly unstable: Unstable;
  /** Highest index known to be stored on a quorum. */
  committed: number;
  /** Highest index the application has applied. applied <= committed. */
  applied: number;
  /** Caps the data size of committedEntries handed out per Ready. */
  readonly maxNextEntsSize: number;

  constructor(storage: Storage, maxNextEntsSize = Infinity) {
    this.storage = storage;
    this.maxNextEntsSize = maxNextEntsSize;
    const firstIndex = storage.firstIndex();
    const lastIndex = storage.lastIndex();
    this.unstable = new Unstable(lastIndex + 1);
    // Everything up to the snapshot is committed and applied.
    this.committed = firstIndex - 1;
    this.applied = firstIndex - 1;
  }

  toString(): string {
    return `committed=${this.committed}, applied=${this.applied}, unstable.offset=${this.unstable.offset}, ` +
      `len(unstable.entries)=${this.unstable.entries.length}`;
  }

  /**
   * The follower side of AppendEntries: if our entry at `index` has term
   * `logTerm`, appends ents (truncating a conflicting suffix) and commits up
   * to min(committed, last new index). Returns the last new index, or -1
   * when the consistency check fails.
   */
  maybeAppend(
    index: number,
    logTerm: number,
    committed: number,
    ents: Entry[],
  ): number {
    if (!this.matchTerm(index, logTerm)) return -1;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      if (ci <= this.committed) {
        throw new RaftInvariantError(
          `entry ${ci} conflicts with committed entry [committed(${this.committed})]`,
        );
      }
      const start = ci - (index + 1);
      this.append(start === 0 ? ents : ents.slice(start));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  /** Appends after truncating anything at or after ents[0].index. Returns the new last index. */
  append(ents: Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0].index - 1;
    if (after < this.committed) {
      throw new RaftInvariantError(
        `after(${after}) is out of range [committed(${this.committed})]`,
      );
    }
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /**
   * The index of the first entry in ents that is not in our log with the
   * same term (either it conflicts or it is new), or 0 when we hold them all.
   */
  findConflict(ents: Entry[]): number {
    for (let i = 0; i < ents.length; i++) {
      const e = ents[i];
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index <= index whose term is <= term. Used for fast
   * backtracking: no entry between the result and `index` can match a log
   * whose entry at `index` has term `term`.
   */
  findConflictByTerm(index: number, term: number): number {
    if (index > this.lastIndex()) return index;
    for (;;) {
      let t: number;
      try {
        t = this.term(index);
      } catch (e) {
        if (e instanceof CompactedError || e instanceof UnavailableError) break;
        throw e;
      }
      if (t <= term) break;
      index--;
    }
    return index;
  }

  /** A copy of the unpersisted entries. */
  unstableEntries(): Entry[] {
    return this.unstable.entries.length === 0
      ? []
      : this.unstable.entries.slice();
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined;
  }

  /** Whether committed entries are waiting to be applied (held back while a snapshot is unpersisted). */
  hasNextCommittedEnts(): boolean {
    if (this.unstable.snapshot !== undefined) return false;
    const off = Math.max(this.applied + 1, this.firstIndex());
    return this.committed + 1 > off;
  }

  /** Committed entries not yet applied, capped by maxNextEntsSize. */
  nextCommittedEnts(): Entry[] {
    if (this.unstable.snapshot !== undefined) return [];
    const off = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 > off) {
      return this.slice(off, this.committed + 1, this.maxNextEntsSize);
    }
    return [];
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  commitTo(toCommit: number): void {
    // Never decrease the commit index.
    if (this.committed < toCommit) {
      if (this.lastIndex() < toCommit) {
        throw new RaftInvariantError(
          `tocommit(${toCommit}) is out of range [lastIndex(${this.lastIndex()})]; was the log corrupted, truncated, or lost?`,
        );
      }
      this.committed = toCommit;
    }
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    if (this.committed < i || i < this.applied) {
      throw new RaftInvariantError(
        `applied(${i}) is out of range [prevApplied(${this.applied}), committed(${this.committed})]`,
      );
    }
    this.applied = i;
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  lastTerm(): number {
    return this.term(this.lastIndex());
  }

  /**
   * The term of the entry at i. Throws CompactedError below the snapshot and
   * UnavailableError past the last entry.
   */
  term(i: number): number {
    const t = this.unstable.maybeTerm(i);
    if (t !== undefined) return t;
    const dummyIndex = this.firstIndex() - 1;
    if (i < dummyIndex) throw new CompactedError();
    if (i > this.lastIndex()) throw new UnavailableError();
    return this.storage.term(i);
  }

  /** term(i), or 0 when i is compacted or out of range. */
  termOrZero(i: number): number {
    if (i > this.lastIndex() || i < this.firstIndex() - 1) return 0;
    try {
      return this.term(i);
    } catch (e) {
      if (e instanceof CompactedError || e instanceof UnavailableError) {
        return 0;
      }
      throw e;
    }
  }

  /** Entries from i on, up to maxSize of data (at least one). Throws CompactedError. */
  entries(i: number, maxSize: number): Entry[] {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxSize);
  }

  /** Whether a log ending at (lastIndex, term) is at least as up-to-date as ours (§5.4.1). */
  isUpToDate(lastIndex: number, term: number): boolean {
    const ourTerm = this.lastTerm();
    return term > ourTerm ||
      (term === ourTerm && lastIndex >= this.lastIndex());
  }

  matchTerm(i: number, t: number): boolean {
    const ut = this.unstable.maybeTerm(i);
    if (ut !== undefined) return ut === t;
    // Out of range is the common "no match" of a new entry: answer without throwing.
    if (i > this.lastIndex() || i < this.firstIndex() - 1) return false;
    try {
      return this.term(i) === t;
    } catch (e) {
      if (e instanceof CompactedError || e instanceof UnavailableError) {
        return false;
      }
      throw e;
    }
  }

  /** Commits up to maxIndex if that entry is of `term` (a leader only commits its own term's entries). */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.termOrZero(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  /** Replaces the log with a snapshot; everything up to it counts as committed. */
  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }

  /** Entries in [lo, hi), from storage and/or the unstable tail, limited to maxSize of data. */
  slice(lo: number, hi: number, maxSize: number): Entry[] {
    this.checkOutOfBounds(lo, hi);
    if (lo === hi) return [];
    let ents: Entry[] = [];
    if (lo < this.unstable.offset) {
      const stored = this.storage.entries(
        lo,
        Math.min(hi, this.unstable.offset),
        maxSize,
      );
      // Storage stopped early because of the size limit: do not add more.
      if (stored.length < Math.min(hi, this.unstable.offset) - lo) {
        return stored;
      }
      ents = stored;
    }
    if (hi > this.unstable.offset) {
      const unstable = this.unstable.slice(
        Math.max(lo, this.unstable.offset),
        hi,
      );
      if (ents.length > 0) {
        const combined = ents.slice();
        pushAll(combined, unstable);
        ents = combined;
      } else {
        ents = unstable;
      }
    }
    return limitSize(ents, maxSize);
  }

  private checkOutOfBounds(lo: number, hi: number): void {
    if (lo > hi) throw new RaftInvariantError(`invalid slice ${lo} > ${hi}`);
    const fi = this.firstIndex();
    if (lo < fi) throw new CompactedError();
    const length = this.lastIndex() + 1 - fi;
    if (hi > fi + length) {
      throw new RaftInvariantError(
        `slice[${lo},${hi}) out of bound [${fi},${this.lastIndex()}]`,
      );
    }
  }
}
