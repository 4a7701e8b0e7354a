// Public shapes of the storage layer. Field names follow the Raft core:
// entries {term, index, type, data}, hard state {term, vote, commit}.

export interface WalEntry {
  index: number;
  term: number;
  type: "normal" | "confChange";
  /** Opaque to the WAL (a JSON command). */
  data: string;
}

export interface HardState {
  term: number;
  vote: string;
  commit: number;
}

export interface SnapshotRecord {
  index: number;
  term: number;
  /** Opaque JSON (membership etc.). */
  meta: string;
  /** The serialized keyspace; may be tens of MB. */
  data: string;
}

/** A snapshot to save: its data as text, or already as UTF-8 bytes (no copy of tens of MB as a string). */
export interface SnapshotToSave extends Omit<SnapshotRecord, "data"> {
  data: string | Uint8Array;
}

/** Where recovery cut off a torn or zero-filled tail. */
export interface TailRepair {
  file: string;
  /** New length of the file: the end of the last complete record. */
  offset: number;
  droppedBytes: number;
  problem: string;
  /** Every dropped byte was zero: the preallocated room of a member that crashed, no torn write. */
  zeros: boolean;
}

export interface Recovered {
  /** Written once when the WAL was created (member ID, cluster ID...). Opaque. */
  metadata: string | null;
  /** Newest snapshot recorded in the log. */
  snapshot: SnapshotRecord | null;
  /** Last hard state written. */
  hardState: HardState | null;
  /** Entries after snapshot.index (or all), in index order, overwrites applied. */
  entries: WalEntry[];
  /** Set when a torn tail was found and cut off (the cut data was never acknowledged). */
  tailRepair: TailRepair | null;
}

export interface WalOptions {
  /** Roll over to a new segment file once the current one reaches this size. Default 64 MiB. */
  segmentBytes?: number;
  /** fdatasync before acknowledging. Default true; false only for tests and benchmarks. */
  sync?: boolean;
  /** How many snapshot files to keep (newest first). Default 2, minimum 1. */
  keepSnapshots?: number;
}

/** Counters, mainly so tests and benchmarks can see group commit at work. */
export interface WalStats {
  /** append() calls acknowledged. */
  appends: number;
  /** Write calls to segment files (one per group-commit batch). */
  writes: number;
  /** fdatasync/fsync calls on segment files. */
  syncs: number;
  /** Of those, the ones run on the event loop's thread (Wal.syncOnLoop said so: no thread-pool round trip). */
  loopSyncs: number;
  /** Bytes written to segment files. */
  bytes: number;
}
