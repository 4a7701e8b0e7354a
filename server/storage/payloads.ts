// Payload encodings of the WAL record types (see record.ts for framing).
//
// batch:    a sequence of ops, each starting with a tag byte
//             1 entry:      u64 index, u64 term, u8 type (0 normal, 1 confChange), str data
//             2 hard state: u64 term, u64 commit, str vote
// snapshot: u64 index, u64 term, u8 keepAfter (1: entries after index stay valid)
// metadata: str

import { ByteReader, ByteWriter, MalformedPayload } from "./bytes.ts";
import type { HardState, WalEntry } from "./types.ts";

const OP_ENTRY = 1;
const OP_HARD_STATE = 2;

export type BatchOp =
  | { kind: "entry"; entry: WalEntry }
  | { kind: "hardState"; hardState: HardState };

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
    } else {
      throw new MalformedPayload(`unknown batch op ${tag}`);
    }
  }
  return ops;
}

export interface SnapshotMarker {
  index: number;
  term: number;
  /** True when the log held entry {index, term}: entries after it remain. False: the log was replaced. */
  keepAfter: boolean;
}

export function encodeMarker(m: SnapshotMarker): Uint8Array {
  const w = new ByteWriter(17);
  w.u64(m.index);
  w.u64(m.term);
  w.u8(m.keepAfter ? 1 : 0);
  return w.bytes();
}

export function decodeMarker(payload: Uint8Array): SnapshotMarker {
  const r = new ByteReader(payload);
  const m = { index: r.u64(), term: r.u64(), keepAfter: r.u8() === 1 };
  r.end();
  return m;
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
