// Reading a WAL back: list the segments, check every record, cut off a
// torn tail, refuse damage anywhere else, and replay the records into the
// state the log describes (snapshot marker, hard state, entries).

import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { MalformedPayload } from "./bytes.ts";
import { WalCorruptError } from "./errors.ts";
import { listDir, removeTempFiles } from "./fs_util.ts";
import { parseSegmentName, type SegmentName, snapDir, walDir } from "./layout.ts";
import { LogTail } from "./log_tail.ts";
import { decodeBatch, decodeString, type SnapshotMarker } from "./payloads.ts";
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

/** Replays records in log order. */
class Replay {
  metadata: string | null = null;
  hardState: HardState | null = null;
  marker: SnapshotMarker | null = null;
  readonly log = new LogTail<WalEntry>();

  apply(file: string, rec: ParsedRecord, seg: SegmentInfo): void {
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
          for (const op of decodeBatch(rec.payload)) {
            if (op.kind === "entry") {
              this.log.put(op.entry.index, op.entry);
              if (op.entry.index > seg.maxIndex) seg.maxIndex = op.entry.index;
            } else if (op.kind === "hardState") {
              this.hardState = op.hardState;
            } else {
              this.log.compact(op.marker.index, op.marker.keepAfter);
              this.marker = op.marker;
            }
          }
          break;
        default:
          throw new WalCorruptError(file, rec.offset, `record type ${rec.type} does not belong in a WAL segment`);
      }
    } catch (err) {
      if (err instanceof MalformedPayload) {
        throw new WalCorruptError(
          file,
          rec.offset,
          `record has a valid checksum but a malformed payload (${err.message})`,
        );
      }
      throw err;
    }
  }
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

  const replay = new Replay();
  const segments: SegmentInfo[] = [];
  let tailRepair: TailRepair | null = null;

  for (let i = 0; i < names.length; i++) {
    const file = path.join(wdir, names[i].name);
    if (i > 0 && names[i].seq !== names[i - 1].seq + 1) {
      throw new WalCorruptError(file, 0, `segment ${names[i - 1].seq + 1} is missing before this one`);
    }
    const bytes: Uint8Array = await fsp.readFile(file);
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
      // Nothing valid follows: an unacknowledged write torn by a crash.
      tailRepair = { file, offset, droppedBytes: bytes.length - offset, problem, zeros: allZero(bytes, offset) };
      await truncateFile(file, offset, opts.sync);
    }

    const first = parsed.records[0];
    if (!first || first.type !== RecordType.metadata) {
      throw new WalCorruptError(file, 0, "segment does not begin with a metadata record");
    }
    const seg: SegmentInfo = {
      seq: names[i].seq,
      firstIndex: names[i].firstIndex,
      file,
      maxIndex: 0,
      size: parsed.end,
    };
    for (const rec of parsed.records) replay.apply(file, rec, seg);
    segments.push(seg);
  }

  const { log, marker } = replay;
  const expectedFirst = marker ? marker.index + 1 : 1;
  if (log.size > 0 && log.firstIndex !== expectedFirst) {
    throw new WalCorruptError(
      segments[0].file,
      0,
      `log entries ${expectedFirst}..${log.firstIndex - 1} are missing (was a segment file deleted?)`,
    );
  }

  const snapshot = marker ? await readSnapshotFile(sdir, marker.term, marker.index) : null;
  return {
    recovered: {
      metadata: replay.metadata,
      snapshot,
      hardState: replay.hardState,
      entries: log.values(),
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
