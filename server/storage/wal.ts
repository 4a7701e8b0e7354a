// The write-ahead log: appends are durable (written and fdatasynced) before
// their promise resolves, and appends that arrive while a write+sync is in
// flight are queued and go out together in the next one (group commit).
//
// The Wal keeps only the terms of the entries after the newest snapshot, to
// validate appends and to decide what a snapshot marker means; the entries
// themselves are the Raft core's business.

import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { ByteWriter } from "./bytes.ts";
import { WalUsageError } from "./errors.ts";
import { listDir, pathExists, syncDir, writeFileAtomic } from "./fs_util.ts";
import { memberDir, parseSegmentName, segmentName, snapDir, snapName, walDir } from "./layout.ts";
import { LogTail } from "./log_tail.ts";
import { encodeString, type SnapshotMarker, writeEntry, writeHardState, writeMarker } from "./payloads.ts";
import { encodeRecord, HEADER_BYTES, RecordType, writeHeader } from "./record.ts";
import { recover, type SegmentInfo } from "./recovery.ts";
import { listSnapshotFiles, writeSnapshotFile } from "./snapshot_file.ts";
import type { HardState, Recovered, SnapshotToSave, WalEntry, WalOptions, WalStats } from "./types.ts";
import { checkEntry, checkHardState, checkSnapshot } from "./validate.ts";

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
/** How far the active segment's file is grown ahead of its writes. */
const PREALLOCATE_BYTES = 4 * 1024 * 1024;
const INITIAL_BUFFER = 64 * 1024;
/** A batch buffer that grew past this (one huge batch) is dropped rather than kept. */
const MAX_KEPT_BUFFER = 8 * 1024 * 1024;

interface Settled {
  resolve: () => void;
  reject: (err: Error) => void;
}

/** One append() call, validated; encoded when its batch is written. */
interface PendingAppend extends Settled {
  kind: "append";
  entries: WalEntry[];
  /** Index of the last entry appended (the log's new last index), or -1 if none. */
  lastIndex: number;
  hardState: HardState | undefined;
}

/** The marker saveSnapshot() writes once the snapshot file is durable. */
interface PendingMarker extends Settled {
  kind: "marker";
  marker: SnapshotMarker;
}

type Pending = PendingAppend | PendingMarker;

interface ResolvedOptions {
  segmentBytes: number;
  sync: boolean;
  keepSnapshots: number;
}

export class Wal {
  /** Terms of entries after the newest snapshot, as of every accepted call (queued ones too). */
  private readonly terms = new LogTail<number>();
  private snapIndex: number;
  private snapTerm: number;

  // State as of the end of what was written to the segment files: what a new
  // segment's header and name carry.
  private writtenHardState: HardState | null;
  private writtenLastIndex: number;

  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private snapshotChain: Promise<unknown> = Promise.resolve();
  /** Size of the active segment's file: its written bytes plus preallocated zeros. */
  private allocated: number;
  private failed: Error | null = null;
  private closed = false;
  private readonly counters: WalStats = { appends: 0, writes: 0, syncs: 0, loopSyncs: 0, bytes: 0 };
  /**
   * Asked before each fdatasync: true runs it on the calling (event loop's)
   * thread, saving the thread pool's two wake-ups; false sends it to the pool
   * so the loop goes on reading requests, which join the next write. The
   * owner knows which is right (raft_node.ts: a lone member with one client).
   */
  syncOnLoop: () => boolean = () => false;
  private writer = new ByteWriter(INITIAL_BUFFER);

  private constructor(
    readonly dataDir: string,
    private readonly opts: ResolvedOptions,
    private readonly metadata: string,
    private readonly segments: SegmentInfo[],
    private fh: fsp.FileHandle,
    marker: SnapshotMarker | null,
    hardState: HardState | null,
    entries: readonly WalEntry[],
  ) {
    if (marker) this.terms.compact(marker.index, false);
    for (const e of entries) this.terms.put(e.index, e.term);
    this.snapIndex = marker ? marker.index : 0;
    this.snapTerm = marker ? marker.term : 0;
    this.writtenHardState = hardState;
    this.writtenLastIndex = this.terms.lastIndex;
    this.allocated = segments[segments.length - 1].size;
  }

  /** True if `dataDir` holds a WAL (at least one segment file). */
  static async exists(dataDir: string): Promise<boolean> {
    return (await listDir(walDir(dataDir))).some((n) => parseSegmentName(n) !== null);
  }

  /** Creates a new WAL in `dataDir`; fails if one is already there. */
  static async create(dataDir: string, metadata: string, opts: WalOptions = {}): Promise<Wal> {
    if (typeof metadata !== "string") throw new WalUsageError("WAL metadata must be a string");
    const o = resolveOptions(opts);
    const wdir = walDir(dataDir);
    if (await Wal.exists(dataDir)) {
      throw new WalUsageError(`a WAL already exists in ${wdir}; open it instead of creating a new one`);
    }
    await fsp.mkdir(snapDir(dataDir), { recursive: true });

    // Build the first segment in a temporary directory and rename it into
    // place, so a crash never leaves a WAL directory without a whole segment.
    const tmp = wdir + ".tmp";
    await fsp.rm(tmp, { recursive: true, force: true });
    await fsp.mkdir(tmp);
    const name = segmentName(1, 1);
    const header = segmentHeader(metadata, null);
    const fileInTmp = path.join(tmp, name);
    await writeFileAtomic(fileInTmp, header, o.sync);
    if (await pathExists(wdir)) await fsp.rmdir(wdir); // empty leftover; rmdir refuses anything else
    await fsp.rename(tmp, wdir);
    if (o.sync) await syncDir(memberDir(dataDir));

    const file = path.join(wdir, name);
    const fh = await fsp.open(file, "r+");
    const segment: SegmentInfo = { seq: 1, firstIndex: 1, file, maxIndex: 0, size: header.length };
    return new Wal(dataDir, o, metadata, [segment], fh, null, null, []);
  }

  /**
   * Opens the WAL in `dataDir` and reads it back. A torn tail is cut off
   * (see recovered.tailRepair); any other damage throws WalCorruptError.
   */
  static async open(dataDir: string, opts: WalOptions = {}): Promise<{ wal: Wal; recovered: Recovered }> {
    const o = resolveOptions(opts);
    if (!(await Wal.exists(dataDir))) {
      throw new WalUsageError(`no WAL in ${walDir(dataDir)}; create one first`);
    }
    const r = await recover(dataDir, { sync: o.sync });
    const last = r.segments[r.segments.length - 1];
    const fh = await fsp.open(last.file, "r+");
    const { recovered } = r;
    const wal = new Wal(dataDir, o, r.metadata, r.segments, fh, r.marker, recovered.hardState, recovered.entries);
    return { wal, recovered };
  }

  /** Index of the last entry accepted (or of the snapshot when no entry follows it). */
  get lastIndex(): number {
    return this.terms.lastIndex;
  }

  /** Index of the newest snapshot accepted, 0 if none. */
  get snapshotIndex(): number {
    return this.snapIndex;
  }

  /** Copy of the counters (group commit shows as appends >> syncs). */
  get stats(): WalStats {
    return { ...this.counters };
  }

  /**
   * Appends entries (and optionally a hard state); resolves once durable.
   * An entry at an index <= the last one replaces it and drops everything
   * after it, as in Raft. Indexes must not skip ahead or reach back into
   * the snapshot.
   */
  append(entries: WalEntry[], hardState?: HardState): Promise<void> {
    try {
      this.checkOpen();
      let last = this.terms.lastIndex;
      for (const e of entries) {
        checkEntry(e);
        if (e.index <= this.snapIndex) {
          throw new WalUsageError(`entry ${e.index} is already covered by the snapshot at index ${this.snapIndex}`);
        }
        if (e.index > last + 1) throw new WalUsageError(`entry ${e.index} would leave a gap after index ${last}`);
        last = e.index;
      }
      if (hardState !== undefined) checkHardState(hardState);
    } catch (err) {
      return Promise.reject(err);
    }

    // Copies, so the caller changing its objects later cannot change what is written.
    const copies = entries.map((e) => ({ index: e.index, term: e.term, type: e.type, data: e.data }));
    for (const e of copies) this.terms.put(e.index, e.term);
    const lastIndex = copies.length > 0 ? copies[copies.length - 1].index : -1;
    return this.enqueue((settled) => ({
      kind: "append",
      entries: copies,
      lastIndex,
      hardState: hardState && { ...hardState },
      ...settled,
    }));
  }

  /**
   * Saves a snapshot: the file is written atomically, then a marker goes
   * into the log, then segments and snapshot files it makes redundant are
   * deleted. If the log holds entry {index, term}, later entries stay;
   * otherwise (a snapshot received from the leader) the log is replaced.
   */
  saveSnapshot(snap: SnapshotToSave): Promise<void> {
    try {
      this.checkOpen();
      checkSnapshot(snap);
    } catch (err) {
      return Promise.reject(err);
    }
    const run = this.snapshotChain.then(() => this.doSaveSnapshot(snap));
    this.snapshotChain = run.catch(() => {});
    return run;
  }

  // Checks only for failure, not for close(): a save already under way finishes, and close() waits for it.
  private async doSaveSnapshot(snap: SnapshotToSave): Promise<void> {
    if (this.failed) throw this.failed;
    if (snap.index < this.snapIndex) {
      throw new WalUsageError(`snapshot at index ${snap.index} is older than the current one at ${this.snapIndex}`);
    }
    await writeSnapshotFile(snapDir(this.dataDir), snap, this.opts.sync);
    if (this.failed) throw this.failed;

    const marker: SnapshotMarker = {
      index: snap.index,
      term: snap.term,
      keepAfter: this.termAt(snap.index) === snap.term,
    };
    this.terms.compact(marker.index, marker.keepAfter);
    this.snapIndex = marker.index;
    this.snapTerm = marker.term;
    // Resolves after the marker is durable and covered segments are gone.
    await this.enqueue((settled) => ({ kind: "marker", marker, ...settled }));
    await this.pruneSnapshotFiles(marker);
  }

  /** Waits for queued writes, then closes the file. Later calls fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.snapshotChain;
    while (this.flushing) await this.flushing;
    if (!this.failed) await this.trimToWritten().catch(() => {});
    await this.fh.close();
  }

  /** Cuts the active segment's preallocated zeros off (a clean close, or a cut). */
  private async trimToWritten(): Promise<void> {
    const seg = this.segments[this.segments.length - 1];
    if (this.allocated === seg.size) return;
    await this.fh.truncate(seg.size);
    if (this.opts.sync) await this.fh.sync();
    this.allocated = seg.size;
  }

  /**
   * Grows the active segment ahead of its writes, in PREALLOCATE_BYTES
   * steps: a write inside the file's size needs no size update, so its
   * fdatasync is cheaper (124 -> 92-101 us on our test disk). The step's
   * own size change is made durable once, here.
   */
  private async ensureRoom(bytes: number): Promise<void> {
    const seg = this.segments[this.segments.length - 1];
    if (seg.size + bytes <= this.allocated) return;
    const size = seg.size + bytes + PREALLOCATE_BYTES;
    await this.fh.truncate(size);
    if (this.opts.sync) await this.fh.sync();
    this.allocated = size;
  }

  private termAt(index: number): number | undefined {
    return index === this.snapIndex && this.snapIndex > 0 ? this.snapTerm : this.terms.at(index);
  }

  private checkOpen(): void {
    if (this.failed) throw this.failed;
    if (this.closed) throw new WalUsageError("the WAL is closed");
  }

  private enqueue(make: (settled: Settled) => Pending): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push(make({ resolve, reject }));
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  /** Writes and syncs everything queued, one batch at a time, until the queue is empty. */
  private async flushLoop(): Promise<void> {
    // Start on a later tick so appends made in the same tick share the first write.
    await Promise.resolve();
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      if (this.failed) {
        for (const p of batch) p.reject(this.failed);
        continue;
      }
      try {
        await this.writeBatch(batch);
      } catch (err) {
        this.failed = new Error(
          `WAL write failed, no further writes are accepted (restart to recover from disk): ${errorText(err)}`,
        );
        for (const p of batch) p.reject(this.failed);
      }
    }
    this.flushing = null;
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    const bytes = this.encodeBatch(batch);
    const seg = this.segments[this.segments.length - 1];
    if (bytes.length > 0) {
      await this.ensureRoom(bytes.length);
      // The write itself only reaches the page cache (microseconds), so it is
      // done synchronously; only the fdatasync goes to the thread pool. Each
      // trip there waits for the event loop to come round, which under load
      // means after a whole burst of requests: two trips per batch made a
      // 250-byte append take ~7 ms where the disk needed ~1.
      writeAllSync(this.fh.fd, bytes, seg.size);
      this.counters.writes++;
      this.counters.bytes += bytes.length;
      seg.size += bytes.length;
      if (this.opts.sync) {
        // Nothing else needs the loop meanwhile: skip the thread pool's round trip.
        if (this.syncOnLoop()) {
          fs.fdatasyncSync(this.fh.fd);
          this.counters.loopSyncs++;
        } else await this.fh.datasync();
        this.counters.syncs++;
      }
    }
    let marker: SnapshotMarker | null = null;
    for (const p of batch) {
      if (p.kind === "append") {
        this.counters.appends++;
        p.resolve();
      } else {
        marker = p.marker;
      }
    }
    if (marker) {
      try {
        await this.deleteCoveredSegments(marker);
        for (const p of batch) if (p.kind === "marker") p.resolve();
      } catch (err) {
        // The marker is durable; only the clean-up failed. Report it, keep going.
        for (const p of batch) if (p.kind === "marker") p.reject(asError(err));
      }
    }
    if (seg.size >= this.opts.segmentBytes) await this.cut();
  }

  /**
   * Turns the queued calls into one batch record (or nothing, if they were
   * all empty). One write is always one record: recovery relies on it.
   */
  private encodeBatch(batch: Pending[]): Uint8Array {
    // One buffer reused for every batch: batches are written one at a time,
    // and a batch's bytes are no longer needed once its write returns.
    if (this.writer.capacity > MAX_KEPT_BUFFER) this.writer = new ByteWriter(INITIAL_BUFFER);
    const w = this.writer;
    w.reset();
    w.raw(EMPTY_HEADER);
    const seg = this.segments[this.segments.length - 1];
    for (const p of batch) {
      if (p.kind === "append") {
        for (const e of p.entries) writeEntry(w, e);
        if (p.hardState) writeHardState(w, p.hardState);
        if (p.lastIndex >= 0) {
          this.writtenLastIndex = p.lastIndex;
          if (p.lastIndex > seg.maxIndex) seg.maxIndex = p.lastIndex;
        }
        if (p.hardState) this.writtenHardState = p.hardState;
      } else {
        writeMarker(w, p.marker);
        if (!p.marker.keepAfter || p.marker.index > this.writtenLastIndex) this.writtenLastIndex = p.marker.index;
      }
    }
    if (w.length === HEADER_BYTES) return new Uint8Array(0);
    const out = w.bytes();
    writeHeader(out, 0, RecordType.batch, out.subarray(HEADER_BYTES));
    return out;
  }

  /**
   * Deletes the oldest segments whose every entry the snapshot covers.
   * Oldest first, syncing the directory after each, so a crash leaves a
   * gap-free run of segments.
   */
  private async deleteCoveredSegments(marker: SnapshotMarker): Promise<void> {
    // The marker was just written to the last segment; never delete that one.
    let n = 0;
    while (n < this.segments.length - 1 && (!marker.keepAfter || this.segments[n].maxIndex <= marker.index)) n++;
    for (let i = 0; i < n; i++) {
      const seg = this.segments.shift() as SegmentInfo;
      await fsp.rm(seg.file, { force: true });
      if (this.opts.sync) await syncDir(walDir(this.dataDir));
    }
  }

  /** Starts a new segment; its header repeats the metadata and the hard state. */
  private async cut(): Promise<void> {
    const prev = this.segments[this.segments.length - 1];
    const seq = prev.seq + 1;
    const firstIndex = this.writtenLastIndex + 1;
    const file = path.join(walDir(this.dataDir), segmentName(seq, firstIndex));
    const header = segmentHeader(this.metadata, this.writtenHardState);
    // The finished segment loses its zero tail first: recovery accepts
    // zeros only at the end of the last segment.
    await this.trimToWritten();
    await writeFileAtomic(file, header, this.opts.sync);
    const fh = await fsp.open(file, "r+");
    await this.fh.close();
    this.fh = fh;
    this.allocated = header.length;
    this.segments.push({ seq, firstIndex, file, maxIndex: 0, size: header.length });
  }

  /** Keeps the current snapshot file and the newest older ones, keepSnapshots files in all. */
  private async pruneSnapshotFiles(current: SnapshotMarker): Promise<void> {
    const dir = snapDir(this.dataDir);
    const all = await listSnapshotFiles(dir);
    // Files newer than the current one were left by crashed saves: the log never recorded them.
    const older = all.filter((s) => s.index < current.index);
    const keep = new Set(older.slice(Math.max(0, older.length - (this.opts.keepSnapshots - 1))).map((s) => s.name));
    keep.add(snapName(current.term, current.index));
    for (const s of all) {
      if (!keep.has(s.name)) await fsp.rm(path.join(dir, s.name), { force: true });
    }
  }
}

const EMPTY_HEADER = new Uint8Array(HEADER_BYTES);

// The snapshot marker needs no copy: the newest one is always in a segment
// that is kept, since segments are only deleted once a newer marker is written.
function segmentHeader(metadata: string, hardState: HardState | null): Uint8Array {
  const parts = [encodeRecord(RecordType.metadata, encodeString(metadata))];
  if (hardState) {
    const w = new ByteWriter();
    writeHardState(w, hardState);
    parts.push(encodeRecord(RecordType.batch, w.bytes()));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function resolveOptions(opts: WalOptions): ResolvedOptions {
  const segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  const keepSnapshots = opts.keepSnapshots ?? 2;
  if (!Number.isSafeInteger(segmentBytes) || segmentBytes < 1) {
    throw new WalUsageError(`segmentBytes must be a positive integer, got ${segmentBytes}`);
  }
  if (!Number.isSafeInteger(keepSnapshots) || keepSnapshots < 1) {
    throw new WalUsageError(`keepSnapshots must be an integer >= 1, got ${keepSnapshots}`);
  }
  return { segmentBytes, sync: opts.sync ?? true, keepSnapshots };
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Writes all of `bytes` at `position` (segments are preallocated: never appends). */
function writeAllSync(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) {
    const n = fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
    if (n <= 0) throw new Error("write made no progress");
    done += n;
  }
}
