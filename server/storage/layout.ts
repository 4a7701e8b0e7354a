// Where things live in the data dir, and the file-name formats.
//
//   <dataDir>/member/wal/<seq>-<firstIndex>.wal   log segments (16 hex digits each)
//   <dataDir>/member/snap/<term>-<index>.snap     snapshot files

import * as path from "node:path";
import { hex16 } from "./fs_util.ts";

export function memberDir(dataDir: string): string {
  return path.join(dataDir, "member");
}

export function walDir(dataDir: string): string {
  return path.join(dataDir, "member", "wal");
}

export function snapDir(dataDir: string): string {
  return path.join(dataDir, "member", "snap");
}

export interface SegmentName {
  seq: number;
  /** Index the first entry of this segment was expected to have (informational). */
  firstIndex: number;
  name: string;
}

const SEGMENT_RE = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

export function segmentName(seq: number, firstIndex: number): string {
  return `${hex16(seq)}-${hex16(firstIndex)}.wal`;
}

export function parseSegmentName(name: string): SegmentName | null {
  const m = SEGMENT_RE.exec(name);
  return m ? { seq: parseInt(m[1], 16), firstIndex: parseInt(m[2], 16), name } : null;
}

export interface SnapName {
  term: number;
  index: number;
  name: string;
}

const SNAP_RE = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

export function snapName(term: number, index: number): string {
  return `${hex16(term)}-${hex16(index)}.snap`;
}

export function parseSnapName(name: string): SnapName | null {
  const m = SNAP_RE.exec(name);
  return m ? { term: parseInt(m[1], 16), index: parseInt(m[2], 16), name } : null;
}
