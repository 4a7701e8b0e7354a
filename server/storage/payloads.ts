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

import { ByteReader, ByteWriter, MalformedPayload } from "./bytes.ts";
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
  const r = new ByteReader(payload);
  const ops: BatchOp[] = [];
  while (!r.done) {
    const tag = r.u8();
    if (tag === OP_ENTRY) {
      const index = r.u64();
      const term = r.u64();
      const t = r.u8();
      if (t > 1) throw new MalformedPayload(`unknown entry type ${t}`);
      ops.push({ kind: "entry", entry: { index, term, type: t === 1 ? "confChange" : "normal", data: r.str() } });
    } else if (tag === OP_HARD_STATE) {
      const term = r.u64();
      const commit = r.u64();
      ops.push({ kind: "hardState", hardState: { term, vote: r.str(), commit } });
    } else if (tag === OP_SNAPSHOT) {
      const index = r.u64();
      const term = r.u64();
      const keep = r.u8();
      if (keep > 1) throw new MalformedPayload(`bad keepAfter flag ${keep}`);
      ops.push({ kind: "snapshot", marker: { index, term, keepAfter: keep === 1 } });
    } else {
      throw new MalformedPayload(`unknown batch op ${tag}`);
    }
  }
  return ops;
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
