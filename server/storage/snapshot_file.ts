// Snapshot files: one record (type snapshotFile) per file, written
// atomically. Payload: u64 index, u64 term, str meta, str data.

import { Buffer } from "node:buffer";
import * as fs from "node:fs";
import * as path from "node:path";
import { ByteReader, ByteWriter, MalformedPayload } from "./bytes.ts";
import { WalCorruptError } from "./errors.ts";
import { isNotFound, listDir, writeFileAtomic } from "./fs_util.ts";
import { parseSnapName, type SnapName, snapName } from "./layout.ts";
import { HEADER_BYTES, readRecord, RecordType, writeHeader } from "./record.ts";
import type { SnapshotRecord, SnapshotToSave } from "./types.ts";

const encoder = new TextEncoder();

export function encodeSnapshotFile(snap: SnapshotToSave): Uint8Array {
  const head = new ByteWriter(64 + snap.meta.length * 3);
  head.u64(snap.index);
  head.u64(snap.term);
  head.str(snap.meta);
  // Text data (the whole store) is encoded straight into the file's bytes:
  // at 100k keys a separate copy was another 8.5 MB held until a GC.
  const data = snap.data;
  const dataBytes = typeof data === "string" ? Buffer.byteLength(data, "utf8") : data.length;
  head.u32(dataBytes);
  const prefix = head.bytes();

  const out = new Uint8Array(HEADER_BYTES + prefix.length + dataBytes);
  out.set(prefix, HEADER_BYTES);
  if (typeof data === "string") encoder.encodeInto(data, out.subarray(HEADER_BYTES + prefix.length));
  else out.set(data, HEADER_BYTES + prefix.length);
  writeHeader(out, 0, RecordType.snapshotFile, out.subarray(HEADER_BYTES));
  return out;
}

/** Decodes a whole snapshot file; throws WalCorruptError naming `file` when it is damaged. */
export function decodeSnapshotFile(file: string, bytes: Uint8Array): SnapshotRecord {
  const rec = readRecord(bytes, 0);
  if ("problem" in rec) throw new WalCorruptError(file, rec.offset, `snapshot file is damaged: ${rec.problem}`);
  const end = HEADER_BYTES + rec.payload.length;
  if (rec.type !== RecordType.snapshotFile) {
    throw new WalCorruptError(file, 0, "not a snapshot file (wrong record type)");
  }
  if (end !== bytes.length) throw new WalCorruptError(file, end, "unexpected bytes after the snapshot record");
  try {
    const r = new ByteReader(rec.payload);
    const snap = { index: r.u64(), term: r.u64(), meta: r.str(), data: r.str() };
    r.end();
    return snap;
  } catch (err) {
    if (err instanceof MalformedPayload) {
      throw new WalCorruptError(file, HEADER_BYTES, `snapshot payload is malformed (${err.message})`);
    }
    throw err;
  }
}

/** Writes the snapshot to <dir>/<term>-<index>.snap atomically; returns the path. */
export async function writeSnapshotFile(dir: string, snap: SnapshotToSave, sync: boolean): Promise<string> {
  const file = path.join(dir, snapName(snap.term, snap.index));
  await writeFileAtomic(file, encodeSnapshotFile(snap), sync);
  return file;
}

/** Reads the snapshot {term, index} from `dir`, checking it is intact and is the one named. */
export function readSnapshotFile(dir: string, term: number, index: number): SnapshotRecord {
  const file = path.join(dir, snapName(term, index));
  let bytes: Uint8Array;
  try {
    // In one go, as the WAL's segments (recovery.ts): only a member opening its log reads one.
    bytes = fs.readFileSync(file);
  } catch (err) {
    if (isNotFound(err)) throw new WalCorruptError(file, 0, "snapshot file recorded in the WAL is missing");
    throw err;
  }
  const snap = decodeSnapshotFile(file, bytes);
  if (snap.index !== index || snap.term !== term) {
    throw new WalCorruptError(
      file,
      HEADER_BYTES,
      `snapshot holds term ${snap.term} index ${snap.index}, not what its name says`,
    );
  }
  return snap;
}

/** Snapshot files in `dir`, oldest first (by index, then term). */
export async function listSnapshotFiles(dir: string): Promise<SnapName[]> {
  const names: SnapName[] = [];
  for (const n of await listDir(dir)) {
    const parsed = parseSnapName(n);
    if (parsed) names.push(parsed);
  }
  return names.sort((a, b) => a.index - b.index || a.term - b.term);
}
