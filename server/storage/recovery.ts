// Reading a WAL back: list the segments, check every record, cut off a
// torn tail, refuse damage anywhere else, and replay the records into the
// state the log describes (snapshot marker, hard state, entries).

import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { MalformedPayload } from "./bytes.ts";
import { WalCorruptError } from "./errors.ts";
import { listDir, removeTempFiles } from "./fs_util.ts";
import { parseSegmentName, type SegmentName, snapDir, walDir } from "./layout.ts";
import { LogTail } from "./log_tail.ts";
import { type BatchVisitor, decodeEntryData, decodeString, type SnapshotMarker, visitBatch } from "./payloads.ts";
import { findNextValidRecord, type ParsedRecord, parseRecords, RecordType } from "./record.ts";
import { readSnapshotFile } from "./snapshot_file.ts";
import type { HardState, Recovered, TailRepair, WalEntry } from "./types.ts";

/** What the writer needs to know about each segment file. */
export interface SegmentInfo {
  seq: number;
  firstIndex: number;
  file: string;
  /** Highest entry index written in this segment (0 if none): decides when a snapshot covers it. */
  maxIndex: number;
  size: number;
}

export interface RecoveryResult {
  recovered: Recovered;
  segments: SegmentInfo[];
  metadata: string;
  /** Newest snapshot marker in the log. */
  marker: SnapshotMarker | null;
}

/** Segment files in `dir`, in sequence order. */
export async function listSegments(dir: string): Promise<SegmentName[]> {
  const segs: SegmentName[] = [];
  for (const n of await listDir(dir)) {
    const s = parseSegmentName(n);
    if (s) segs.push(s);
  }
  return segs.sort((a, b) => a.seq - b.seq);
}

/** An entry read back, its data not yet decoded, and the record it came in (for errors). */
interface ReadEntry {
  index: number;
  term: number;
  type: WalEntry["type"];
  payload: Uint8Array;
  dataStart: number;
  dataEnd: number;
  file: string;
  offset: number;
}

/** A segment read and checked, not yet replayed. */
interface ReadSegment {
  info: SegmentInfo;
  records: ParsedRecord[];
}

/** The log's newest snapshot marker and how many markers precede it. */
interface FinalMarker {
  index: number;
  before: number;
}

/**
 * Finds the last snapshot marker in the log. Entries it covers that come
 * before it are dropped by it, so replay need not build them: with 100k
 * entries and a snapshot at 90k, building them all was 90k objects and
 * strings made only to be thrown away (bench/wal_recovery.ts).
 */
function findFinalMarker(segments: ReadSegment[]): FinalMarker | null {
  let last: FinalMarker | null = null;
  let count = 0;
  const noop = () => {};
  for (const { info, records } of segments) {
    for (const rec of records) {
      if (rec.type !== RecordType.batch) continue;
      try {
        visitBatch(rec.payload, {
          onEntry: noop,
          onHardState: noop,
          onMarker: (m) => (last = { index: m.index, before: count++ }),
        });
      } catch (err) {
        throw asCorrupt(err, info.file, rec.offset);
      }
    }
  }
  return last;
}

/** Replays records in log order. */
class Replay implements BatchVisitor {
  metadata: string | null = null;
  hardState: HardState | null = null;
  marker: SnapshotMarker | null = null;
  /** null: an entry the final marker covers, kept as a placeholder so overwrites behave as in the log. */
  readonly log = new LogTail<ReadEntry | null>();
  private markers = 0;
  private file = "";
  private offset = 0;
  private seg: SegmentInfo | null = null;

  constructor(private readonly final: FinalMarker | null) {}

  apply(rec: ParsedRecord, seg: SegmentInfo): void {
    const file = seg.file;
    try {
      switch (rec.type) {
        case RecordType.metadata: {
          const m = decodeString(rec.payload);
          if (this.metadata !== null && m !== this.metadata) {
            throw new WalCorruptError(file, rec.offset, "metadata differs from the earlier segments'");
          }
          this.metadata = m;
          break;
        }
        case RecordType.batch:
          this.file = file;
          this.offset = rec.offset;
          this.seg = seg;
          visitBatch(rec.payload, this);
          break;
        default:
          throw new WalCorruptError(file, rec.offset, `record type ${rec.type} does not belong in a WAL segment`);
      }
    } catch (err) {
      throw asCorrupt(err, file, rec.offset);
    }
  }

  onEntry(index: number, term: number, type: WalEntry["type"], payload: Uint8Array, dataStart: number, dataEnd: number): void {
    const seg = this.seg as SegmentInfo;
    if (index > seg.maxIndex) seg.maxIndex = index;
    const final = this.final;
    if (final && this.markers <= final.before && index <= final.index) {
      this.log.put(index, null);
      return;
    }
    this.log.put(index, { index, term, type, payload, dataStart, dataEnd, file: this.file, offset: this.offset });
  }

  onHardState(hs: HardState): void {
    this.hardState = hs;
  }

  onMarker(m: SnapshotMarker): void {
    this.markers++;
    this.log.compact(m.index, m.keepAfter);
    this.marker = m;
  }

  /** The entries that survived the log's snapshots and overwrites, decoded. */
  entries(): WalEntry[] {
    return this.log.values().map((e) => {
      if (e === null) throw new Error("WAL recovery: an entry the last snapshot covers was left in the log");
      try {
        return { index: e.index, term: e.term, type: e.type, data: decodeEntryData(e.index, e.payload, e.dataStart, e.dataEnd) };
      } catch (err) {
        throw asCorrupt(err, e.file, e.offset);
      }
    });
  }
}

function asCorrupt(err: unknown, file: string, offset: number): unknown {
  if (!(err instanceof MalformedPayload)) return err;
  return new WalCorruptError(file, offset, `record has a valid checksum but a malformed payload (${err.message})`);
}

export interface RecoverOptions {
  sync: boolean;
}

/** Reads the WAL under `dataDir`; cuts a torn tail off the last segment. */
export async function recover(dataDir: string, opts: RecoverOptions): Promise<RecoveryResult> {
  const wdir = walDir(dataDir);
  const sdir = snapDir(dataDir);
  await removeTempFiles(wdir);
  await removeTempFiles(sdir);

  const names = await listSegments(wdir);
  if (names.length === 0) throw new Error(`no WAL segments in ${wdir}`);

  const read: ReadSegment[] = [];
  let tailRepair: TailRepair | null = null;

  for (let i = 0; i < names.length; i++) {
    const file = path.join(wdir, names[i].name);
    if (i > 0 && names[i].seq !== names[i - 1].seq + 1) {
      throw new WalCorruptError(file, 0, `segment ${names[i - 1].seq + 1} is missing before this one`);
    }
    // Read in one go: fs/promises reads in 512 KiB pieces, each a trip to the
    // thread pool and back; nothing else needs the event loop while a member
    // opens its log.
    const bytes: Uint8Array = fs.readFileSync(file);
    const parsed = parseRecords(bytes);
    const isLast = i === names.length - 1;

    if (parsed.failure) {
      const { offset, problem } = parsed.failure;
      if (!isLast) {
        throw new WalCorruptError(file, offset, `${problem} in a segment that was complete and synced`);
      }
      const next = findNextValidRecord(bytes, offset);
      if (next >= 0) {
        throw new WalCorruptError(file, offset, `${problem}, followed by valid records (first at offset ${next})`);
      }
      // Nothing valid follows: an unacknowledged write torn by a crash. Cut
      // once the rest has been read back whole (a refused WAL is not modified).
      tailRepair = { file, offset, droppedBytes: bytes.length - offset, problem, zeros: allZero(bytes, offset) };
    }

    const first = parsed.records[0];
    if (!first || first.type !== RecordType.metadata) {
      throw new WalCorruptError(file, 0, "segment does not begin with a metadata record");
    }
    const info: SegmentInfo = {
      seq: names[i].seq,
      firstIndex: names[i].firstIndex,
      file,
      maxIndex: 0,
      size: parsed.end,
    };
    read.push({ info, records: parsed.records });
  }

  const replay = new Replay(findFinalMarker(read));
  for (const { info, records } of read) {
    for (const rec of records) replay.apply(rec, info);
  }
  const segments = read.map((s) => s.info);

  const { log, marker } = replay;
  const expectedFirst = marker ? marker.index + 1 : 1;
  if (log.size > 0 && log.firstIndex !== expectedFirst) {
    throw new WalCorruptError(
      segments[0].file,
      0,
      `log entries ${expectedFirst}..${log.firstIndex - 1} are missing (was a segment file deleted?)`,
    );
  }

  const entries = replay.entries();
  const snapshot = marker ? readSnapshotFile(sdir, marker.term, marker.index) : null;
  if (tailRepair) await truncateFile(tailRepair.file, tailRepair.offset, opts.sync);
  return {
    recovered: {
      metadata: replay.metadata,
      snapshot,
      hardState: replay.hardState,
      entries,
      tailRepair,
    },
    segments,
    metadata: replay.metadata as string,
    marker,
  };
}

async function truncateFile(file: string, length: number, sync: boolean): Promise<void> {
  const fh = await fsp.open(file, "r+");
  try {
    await fh.truncate(length);
    if (sync) await fh.sync();
  } finally {
    await fh.close();
  }
}

function allZero(bytes: Uint8Array, from: number): boolean {
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}
