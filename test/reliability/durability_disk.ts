// On-disk surgery for member-level crash tests: find a stopped member's WAL
// segments and records, and damage or rewrite them the way a crash (or bad
// media) would.

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { snapDir, walDir } from "../../server/storage/layout.ts";
import { parseRecords, RecordType, encodeRecord, type ParsedRecord, HEADER_BYTES } from "../../server/storage/record.ts";
import { decodeBatch, writeEntry, writeHardState, writeMarker } from "../../server/storage/payloads.ts";
import { ByteWriter } from "../../server/storage/bytes.ts";

export { HEADER_BYTES };

/** WAL segment paths, oldest first. */
export function segments(dataDir: string): string[] {
  const dir = walDir(dataDir);
  return readdirSync(dir).filter((n) => n.endsWith(".wal")).sort().map((n) => join(dir, n));
}

export function lastSegment(dataDir: string): string {
  const all = segments(dataDir);
  if (all.length === 0) throw new Error(`no WAL segments under ${dataDir}`);
  return all[all.length - 1];
}

/**
 * Every record of a segment that must be intact. A member killed while
 * writing leaves its live segment's preallocated zeros after the records;
 * anything else after them is damage.
 */
export function records(file: string): ParsedRecord[] {
  const bytes = readFileSync(file);
  const parsed = parseRecords(bytes);
  if (parsed.failure && bytes.subarray(parsed.failure.offset).some((b) => b !== 0)) {
    throw new Error(`${file} is already damaged at ${parsed.failure.offset}: ${parsed.failure.problem}`);
  }
  return parsed.records;
}

/** Where a segment's records end (its file may go on with preallocated zeros). */
export function writtenEnd(file: string): number {
  return parseRecords(readFileSync(file)).end;
}

export function snapshotFiles(dataDir: string): string[] {
  return readdirSync(snapDir(dataDir)).filter((n) => n.endsWith(".snap")).sort();
}

/**
 * Rewrites the WAL without the snapshot marker for `index`: the state of a
 * crash after the snapshot file was made durable but before its marker
 * reached the log (so before any trimming). Returns how many markers went.
 */
export function dropSnapshotMarker(dataDir: string, index: number): number {
  let dropped = 0;
  for (const file of segments(dataDir)) {
    const out: Uint8Array[] = [];
    for (const rec of records(file)) {
      if (rec.type !== RecordType.batch) {
        out.push(encodeRecord(rec.type, rec.payload));
        continue;
      }
      const w = new ByteWriter();
      let kept = 0;
      for (const op of decodeBatch(rec.payload)) {
        if (op.kind === "snapshot" && op.marker.index === index) {
          dropped++;
          continue;
        }
        kept++;
        if (op.kind === "entry") writeEntry(w, op.entry);
        else if (op.kind === "hardState") writeHardState(w, op.hardState);
        else writeMarker(w, op.marker);
      }
      if (kept > 0) out.push(encodeRecord(RecordType.batch, w.bytes()));
    }
    writeFileSync(file, concat(out));
  }
  return dropped;
}

/** The newest snapshot marker in the WAL (up to any torn tail): the snapshot recovery will start from. */
export function newestMarker(dataDir: string): { index: number; term: number } | null {
  let found: { index: number; term: number } | null = null;
  for (const file of segments(dataDir)) {
    for (const rec of parseRecords(readFileSync(file)).records) {
      if (rec.type !== RecordType.batch) continue;
      for (const op of decodeBatch(rec.payload)) if (op.kind === "snapshot") found = { index: op.marker.index, term: op.marker.term };
    }
  }
  return found;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The record holding the log entry of a v2 request on `path` (e.g. "/wal/k3"), or undefined. */
export function recordWriting(file: string, path: string): ParsedRecord | undefined {
  const needle = `"path":${JSON.stringify(path)}`;
  return records(file).find((rec) =>
    rec.type === RecordType.batch && decodeBatch(rec.payload).some((op) => op.kind === "entry" && op.entry.data.includes(needle))
  );
}
