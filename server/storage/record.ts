// Record framing shared by WAL segments and snapshot files.
//
// Every record is a 16-byte header followed by its payload:
//
//   0  u32 LE  payload length
//   4  u8      record type (RecordType)
//   5  3 bytes reserved, zero
//   8  u32 LE  CRC-32 of the payload
//  12  u32 LE  CRC-32 of header bytes 0..11
//
// The header has its own checksum so a damaged length field is caught
// before it is trusted, and so a scan for "is there a valid record after
// this damage?" can reject a candidate offset in constant time.

import { crc32 } from "./crc32.ts";

export const HEADER_BYTES = 16;

export const RecordType = {
  /** Opaque metadata given to Wal.create; first record of every segment. */
  metadata: 1,
  /** One group-commit write: entries, hard states and snapshot markers, in order. */
  batch: 2,
  /** The body of a .snap file. */
  snapshotFile: 3,
} as const;
export type RecordType = typeof RecordType[keyof typeof RecordType];

function isRecordType(t: number): t is RecordType {
  return t >= RecordType.metadata && t <= RecordType.snapshotFile;
}

/** Frames one payload as a record. */
export function encodeRecord(type: RecordType, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  writeHeader(out, 0, type, payload);
  out.set(payload, HEADER_BYTES);
  return out;
}

/** Writes the header for `payload` into out[at, at+16). */
export function writeHeader(out: Uint8Array, at: number, type: RecordType, payload: Uint8Array): void {
  const view = new DataView(out.buffer, out.byteOffset + at, HEADER_BYTES);
  view.setUint32(0, payload.length, true);
  view.setUint8(4, type);
  view.setUint32(8, crc32(payload), true);
  view.setUint32(12, crc32(out, at, at + 12), true);
}

export interface ParsedRecord {
  type: RecordType;
  payload: Uint8Array;
  /** Offset of the record's header in the buffer. */
  offset: number;
}

export interface ParseFailure {
  offset: number;
  problem: string;
}

export interface ParseResult {
  records: ParsedRecord[];
  /** Offset just past the last good record. */
  end: number;
  /** Set when the buffer does not end right after a good record. */
  failure: ParseFailure | null;
}

/** Checks the record at `at`; returns it, or why it is not a record. */
export function readRecord(buf: Uint8Array, at: number): ParsedRecord | ParseFailure {
  if (buf.length - at < HEADER_BYTES) return { offset: at, problem: "incomplete record header" };
  const view = new DataView(buf.buffer, buf.byteOffset + at, HEADER_BYTES);
  const type = view.getUint8(4);
  if (!isRecordType(type) || buf[at + 5] !== 0 || buf[at + 6] !== 0 || buf[at + 7] !== 0) {
    return { offset: at, problem: "invalid record header" };
  }
  if (crc32(buf, at, at + 12) !== view.getUint32(12, true)) {
    return { offset: at, problem: "record header checksum mismatch" };
  }
  const length = view.getUint32(0, true);
  const start = at + HEADER_BYTES;
  if (length > buf.length - start) return { offset: at, problem: "record runs past the end of the file" };
  if (crc32(buf, start, start + length) !== view.getUint32(8, true)) {
    return { offset: at, problem: "record payload checksum mismatch" };
  }
  return { type, payload: buf.subarray(start, start + length), offset: at };
}

function isFailure(r: ParsedRecord | ParseFailure): r is ParseFailure {
  return "problem" in r;
}

/** Reads records from `from` until the end of the buffer or the first bad one. */
export function parseRecords(buf: Uint8Array, from = 0): ParseResult {
  const records: ParsedRecord[] = [];
  let at = from;
  while (at < buf.length) {
    const r = readRecord(buf, at);
    if (isFailure(r)) return { records, end: at, failure: r };
    records.push(r);
    at += HEADER_BYTES + r.payload.length;
  }
  return { records, end: at, failure: null };
}

/**
 * Offset of the first valid record that starts after `from`, or -1.
 * Used to tell a torn tail (nothing valid follows the damage) from damage in
 * the middle of the log (acknowledged records follow it).
 */
export function findNextValidRecord(buf: Uint8Array, from: number): number {
  for (let at = from + 1; at + HEADER_BYTES <= buf.length; at++) {
    // Cheap filters first: most garbage and all zero fill fail here.
    const type = buf[at + 4];
    if (!isRecordType(type) || buf[at + 5] !== 0 || buf[at + 6] !== 0 || buf[at + 7] !== 0) continue;
    if (!isFailure(readRecord(buf, at))) return at;
  }
  return -1;
}
