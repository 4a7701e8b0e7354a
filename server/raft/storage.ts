// The read side of stable storage that raft consults, and an in-memory
// implementation of it. The application writes to storage (append,
// setHardState, applySnapshot) while handling a Ready; raft only reads.

import {
  CompactedError,
  RaftInvariantError,
  SnapshotOutOfDateError,
  UnavailableError,
} from "./errors.ts";
import type { ConfState, Entry, HardState, Snapshot } from "./types.ts";
import { limitSize, pushAll } from "./util.ts";

/**
 * Like etcd's raft.Storage. Errors: entries() and term() throw CompactedError
 * for indexes folded into the snapshot and UnavailableError beyond the last
 * entry; snapshot() may throw SnapshotTemporarilyUnavailableError.
 */
export interface Storage {
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries in [lo, hi), limited to maxBytes of data but at least one entry. */
  entries(lo: number, hi: number, maxBytes?: number): Entry[];
  /** Term of the entry at index; valid for firstIndex()-1 (the snapshot's index) up to lastIndex(). */
  term(index: number): number;
  /** Index of the first entry still held (snapshot index + 1). */
  firstIndex(): number;
  lastIndex(): number;
  snapshot(): Snapshot;
}

function emptySnapshot(): Snapshot {
  return {
    metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } },
    data: "",
  };
}

/**
 * Storage backed by an array. ents[0] is a dummy entry standing for the
 * snapshot (its index and term), so ents[i] has index ents[0].index + i.
 */
export class MemoryStorage implements Storage {
  private hardState: HardState = { term: 0, vote: "", commit: 0 };
  private snap: Snapshot = emptySnapshot();
  private ents: Entry[] = [{ term: 0, index: 0, type: "normal", data: "" }];

  initialState(): { hardState: HardState; confState: ConfState } {
    return {
      hardState: { ...this.hardState },
      confState: this.snap.metadata.confState,
    };
  }

  setHardState(hs: HardState): void {
    this.hardState = { term: hs.term, vote: hs.vote, commit: hs.commit };
  }

  /** The hard state last saved. */
  getHardState(): HardState {
    return { ...this.hardState };
  }

  entries(lo: number, hi: number, maxBytes = Infinity): Entry[] {
    const offset = this.ents[0].index;
    if (lo <= offset) throw new CompactedError();
    if (hi > this.lastIndex() + 1) {
      throw new UnavailableError(
        `entries hi(${hi}) is out of bound lastindex(${this.lastIndex()})`,
      );
    }
    // Only the dummy entry: nothing is stored yet.
    if (this.ents.length === 1) throw new UnavailableError();
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxBytes);
  }

  term(index: number): number {
    const offset = this.ents[0].index;
    if (index < offset) throw new CompactedError();
    if (index - offset >= this.ents.length) throw new UnavailableError();
    return this.ents[index - offset].term;
  }

  firstIndex(): number {
    return this.ents[0].index + 1;
  }

  lastIndex(): number {
    return this.ents[0].index + this.ents.length - 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole content with a snapshot (e.g. one received from the leader). */
  applySnapshot(s: Snapshot): void {
    if (this.snap.metadata.index >= s.metadata.index) {
      throw new SnapshotOutOfDateError();
    }
    this.snap = s;
    this.ents = [{
      term: s.metadata.term,
      index: s.metadata.index,
      type: "normal",
      data: "",
    }];
  }

  /**
   * Records a snapshot of the application's state as of `index` (which must
   * already be in storage). Usually followed by compact(). `cs` is the
   * configuration in effect at `index`.
   */
  createSnapshot(
    index: number,
    cs: ConfState | undefined,
    data: string,
  ): Snapshot {
    if (index <= this.snap.metadata.index) throw new SnapshotOutOfDateError();
    const offset = this.ents[0].index;
    if (index > this.lastIndex()) {
      throw new RaftInvariantError(
        `snapshot ${index} is out of bound lastindex(${this.lastIndex()})`,
      );
    }
    const confState = cs ?? this.snap.metadata.confState;
    this.snap = {
      metadata: {
        index,
        term: this.ents[index - offset].term,
        confState: {
          voters: [...confState.voters],
          learners: [...(confState.learners ?? [])],
        },
      },
      data,
    };
    return this.snap;
  }

  /** Discards all entries before compactIndex; compactIndex becomes the new dummy entry. */
  compact(compactIndex: number): void {
    const offset = this.ents[0].index;
    if (compactIndex <= offset) throw new CompactedError();
    if (compactIndex > this.lastIndex()) {
      throw new RaftInvariantError(
        `compact ${compactIndex} is out of bound lastindex(${this.lastIndex()})`,
      );
    }
    const i = compactIndex - offset;
    const kept: Entry[] = [{
      term: this.ents[i].term,
      index: this.ents[i].index,
      type: "normal",
      data: "",
    }];
    for (let j = i + 1; j < this.ents.length; j++) kept.push(this.ents[j]);
    this.ents = kept;
  }

  /**
   * Appends entries, replacing any stored entries they conflict with.
   * Entries must be contiguous with what is stored.
   */
  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0].index + entries.length - 1;
    if (last < first) return; // all of them are already compacted
    if (first > entries[0].index) {
      entries = entries.slice(first - entries[0].index);
    }
    const offset = entries[0].index - this.ents[0].index;
    if (this.ents.length > offset) {
      this.ents = this.ents.slice(0, offset);
      pushAll(this.ents, entries);
    } else if (this.ents.length === offset) {
      pushAll(this.ents, entries);
    } else {
      throw new RaftInvariantError(
        `missing log entry [last: ${this.lastIndex()}, append at: ${
          entries[0].index
        }]`,
      );
    }
  }
}
