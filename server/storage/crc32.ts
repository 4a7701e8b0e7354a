// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum every
// WAL record and snapshot file carries. Long ranges go to zlib's crc32 where
// the runtime has it (Node >= 20.15, Deno 2): it runs at gigabytes a second,
// where ours ran at ~600 MB/s, which was 40 ms of every restart with 100k
// keys (bench/wal_recovery.ts). Short ranges (record headers, small
// entries) stay in JS, where a call into native code and the view it needs
// cost more than the sum. Ours uses slicing-by-4 tables: four bytes per step.
// zlib is looked up on first use, not imported: loading it is ~1.5 ms that
// a fresh member's cold start does not need.

import process from "node:process";

const POLY = 0xedb88320;

function makeTables(): Uint32Array[] {
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? POLY ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  const tables = [t0];
  for (let t = 1; t < 4; t++) {
    const prev = tables[t - 1];
    const next = new Uint32Array(256);
    for (let n = 0; n < 256; n++) next[n] = (prev[n] >>> 8) ^ t0[prev[n] & 0xff];
    tables.push(next);
  }
  return tables;
}

const [T0, T1, T2, T3] = makeTables();

type NativeCrc32 = (data: Uint8Array, value?: number) => number;
/** zlib's crc32; null where the runtime has none; undefined until first asked. */
let native: NativeCrc32 | null | undefined;

function nativeCrc32(): NativeCrc32 | null {
  if (native === undefined) {
    const proc = process as { getBuiltinModule?: (id: string) => unknown };
    const zlib = proc.getBuiltinModule?.("node:zlib") as { crc32?: NativeCrc32 } | undefined;
    native = typeof zlib?.crc32 === "function" ? zlib.crc32 : null;
  }
  return native;
}

/** Whether long ranges go to zlib (false: this runtime has no zlib.crc32). */
export function usesZlibCrc32(): boolean {
  return nativeCrc32() !== null;
}

/** Ranges at least this long go to zlib's crc32. */
export const NATIVE_CRC_MIN_BYTES = 256;

/** crc32 of bytes[start, end). Pass a previous result as `crc` to continue it. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  if (end - start >= NATIVE_CRC_MIN_BYTES) {
    const crcNative = nativeCrc32();
    if (crcNative) return crcNative(bytes.subarray(start, end), crc) >>> 0;
  }
  return crc32InJs(bytes, start, end, crc);
}

/** crc32 without zlib (for ranges too short to be worth a native call, and to check zlib against). */
export function crc32InJs(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  let c = ~crc >>> 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    c ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    c = T3[c & 0xff] ^ T2[(c >>> 8) & 0xff] ^ T1[(c >>> 16) & 0xff] ^ T0[c >>> 24];
  }
  for (; i < end; i++) c = T0[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
