// Payload encodings of the WAL record types (see record.ts for framing).
//
// batch:    a sequence of ops, each starting with a tag byte
//             1 entry:      u64 index, u64 term, u8 type (0 normal, 1 confChange), str data
//             2 hard state: u64 term, u64 commit, str vote
//             3 snapshot:   u64 index, u64 term, u8 keepAfter (1: entries after index stay valid)
// metadata: str
//
// A snapshot marker is an op, not a record of its own, so that every write
// to a segment is exactly one record (see recovery.ts for why that matters).

import { ByteReader, ByteWriter, decodeUtf8, MalformedPayload } from "./bytes.ts";
import type { HardState, WalEntry } from "./types.ts";

const OP_ENTRY = 1;
const OP_HARD_STATE = 2;
const OP_SNAPSHOT = 3;

export interface SnapshotMarker {
  index: number;
  term: number;
  /** True when the log held entry {index, term}: entries after it remain. False: the log was replaced. */
  keepAfter: boolean;
}

export type BatchOp =
  | { kind: "entry"; entry: WalEntry }
  | { kind: "hardState"; hardState: HardState }
  | { kind: "snapshot"; marker: SnapshotMarker };

/**
 * What a batch holds, handed over op by op without building objects for
 * entries: recovery makes one only for an entry no later snapshot covers,
 * which after a snapshot is a small part of the log. An entry's data is
 * payload[dataStart, dataEnd), UTF-8 not yet decoded (decodeEntryData).
 */
export interface BatchVisitor {
  onEntry(index: number, term: number, type: WalEntry["type"], payload: Uint8Array, dataStart: number, dataEnd: number): void;
  onHardState(hardState: HardState): void;
  onMarker(marker: SnapshotMarker): void;
}

export function writeEntry(w: ByteWriter, e: WalEntry): void {
  w.u8(OP_ENTRY);
  w.u64(e.index);
  w.u64(e.term);
  w.u8(e.type === "confChange" ? 1 : 0);
  w.str(e.data);
}

export function writeHardState(w: ByteWriter, hs: HardState): void {
  w.u8(OP_HARD_STATE);
  w.u64(hs.term);
  w.u64(hs.commit);
  w.str(hs.vote);
}

export function writeMarker(w: ByteWriter, m: SnapshotMarker): void {
  w.u8(OP_SNAPSHOT);
  w.u64(m.index);
  w.u64(m.term);
  w.u8(m.keepAfter ? 1 : 0);
}

export function decodeBatch(payload: Uint8Array): BatchOp[] {
  const ops: BatchOp[] = [];
  visitBatch(payload, {
    onEntry: (index, term, type, bytes, start, end) => {
      ops.push({ kind: "entry", entry: { index, term, type, data: decodeEntryData(index, bytes, start, end) } });
    },
    onHardState: (hardState) => ops.push({ kind: "hardState", hardState }),
    onMarker: (marker) => ops.push({ kind: "snapshot", marker }),
  });
  return ops;
}

/** Hands the batch's ops to `v` in order; MalformedPayload if the batch is damaged. */
export function visitBatch(payload: Uint8Array, v: BatchVisitor): void {
  const r = new ByteReader(payload);
  while (!r.done) {
    const tag = r.u8();
    if (tag === OP_ENTRY) {
      const index = r.u64();
      const term = r.u64();
      const t = r.u8();
      if (t > 1) throw new MalformedPayload(`unknown entry type ${t}`);
      const end = r.strEnd();
      v.onEntry(index, term, t === 1 ? "confChange" : "normal", payload, r.strStart, end);
    } else if (tag === OP_HARD_STATE) {
      const term = r.u64();
      const commit = r.u64();
      v.onHardState({ term, vote: r.str(), commit });
    } else if (tag === OP_SNAPSHOT) {
      const index = r.u64();
      const term = r.u64();
      const keep = r.u8();
      if (keep > 1) throw new MalformedPayload(`bad keepAfter flag ${keep}`);
      v.onMarker({ index, term, keepAfter: keep === 1 });
    } else {
      throw new MalformedPayload(`unknown batch op ${tag}`);
    }
  }
}

/** An entry's data, decoded; MalformedPayload if it is not UTF-8. */
export function decodeEntryData(index: number, payload: Uint8Array, start: number, end: number): string {
  return decodeUtf8(payload.subarray(start, end), `in entry ${index}'s data`);
}

export function encodeString(s: string): Uint8Array {
  const w = new ByteWriter(s.length + 8);
  w.str(s);
  return w.bytes();
}

export function decodeString(payload: Uint8Array): string {
  const r = new ByteReader(payload);
  const s = r.str();
  r.end();
  return s;
}
