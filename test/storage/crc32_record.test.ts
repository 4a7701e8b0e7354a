import assert from "node:assert/strict";
import { crc32, crc32InJs, NATIVE_CRC_MIN_BYTES, usesZlibCrc32 } from "../../server/storage/crc32.ts";
import {
  encodeRecord,
  findNextValidRecord,
  HEADER_BYTES,
  parseRecords,
  RecordType,
} from "../../server/storage/record.ts";

const enc = new TextEncoder();

Deno.test("crc32 matches the standard check values", () => {
  assert.equal(crc32(enc.encode("")), 0);
  assert.equal(crc32(enc.encode("123456789")), 0xcbf43926);
  assert.equal(crc32(enc.encode("The quick brown fox jumps over the lazy dog")), 0x414fa339);
});

Deno.test("crc32 over a range equals crc32 of the slice, and can be continued", () => {
  const bytes = enc.encode("hello, write-ahead log! 0123456789");
  for (let a = 0; a < bytes.length; a += 3) {
    for (let b = a; b <= bytes.length; b += 5) {
      assert.equal(crc32(bytes, a, b), crc32(bytes.slice(a, b)));
    }
  }
  const whole = crc32(bytes);
  assert.equal(crc32(bytes, 13, bytes.length, crc32(bytes, 0, 13)), whole);
});

Deno.test("crc32 gives the same answer on both sides of the native cut-over, whole and continued", () => {
  const bytes = new Uint8Array(3 * NATIVE_CRC_MIN_BYTES + 17);
  let x = 12345;
  for (let i = 0; i < bytes.length; i++) bytes[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  for (const len of [0, 1, 5, NATIVE_CRC_MIN_BYTES - 1, NATIVE_CRC_MIN_BYTES, NATIVE_CRC_MIN_BYTES + 1, bytes.length - 9]) {
    for (const start of [0, 3, 9]) {
      const end = start + len;
      assert.equal(crc32(bytes, start, end), crc32InJs(bytes, start, end), `[${start}, ${end})`);
      const seed = crc32InJs(bytes, 0, start);
      assert.equal(crc32(bytes, start, end, seed), crc32InJs(bytes, 0, end), `continued from ${start} to ${end}`);
    }
  }
  assert.equal(crc32(bytes), crc32InJs(bytes));
  assert.ok(usesZlibCrc32(), "Deno has zlib.crc32; long ranges should use it");
});

Deno.test("records round-trip and parsing stops at the first bad byte", () => {
  const a = encodeRecord(RecordType.metadata, enc.encode("meta"));
  const b = encodeRecord(RecordType.batch, enc.encode("x".repeat(100)));
  const buf = new Uint8Array([...a, ...b]);
  const ok = parseRecords(buf);
  assert.equal(ok.failure, null);
  assert.equal(ok.records.length, 2);
  assert.equal(ok.records[1].offset, a.length);
  assert.equal(new TextDecoder().decode(ok.records[0].payload), "meta");

  const damaged = buf.slice();
  damaged[a.length + HEADER_BYTES + 50] ^= 1;
  const bad = parseRecords(damaged);
  assert.equal(bad.records.length, 1);
  assert.deepEqual(bad.failure, { offset: a.length, problem: "record payload checksum mismatch" });
  assert.equal(bad.end, a.length);
});

Deno.test("a zero-filled header is never a record", () => {
  const r = parseRecords(new Uint8Array(64));
  assert.equal(r.records.length, 0);
  assert.equal(r.failure?.offset, 0);
  assert.equal(findNextValidRecord(new Uint8Array(4096), 0), -1);
});

Deno.test("findNextValidRecord finds a record at any offset after damage", () => {
  const rec = encodeRecord(RecordType.batch, enc.encode("payload"));
  for (const gap of [1, 2, 7, 16, 33]) {
    const buf = new Uint8Array(gap + rec.length + 5);
    buf.fill(0xa5, 0, gap);
    buf.set(rec, gap);
    assert.equal(findNextValidRecord(buf, 0), gap);
    assert.equal(findNextValidRecord(buf, gap), -1);
  }
});
