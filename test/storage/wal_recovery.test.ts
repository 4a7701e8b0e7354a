import assert from "node:assert/strict";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { Wal, WalCorruptError } from "../../server/storage/mod.ts";
import { Buffer } from "node:buffer";
import { encodeRecord, parseRecords } from "../../server/storage/record.ts";
import { entries, entry, fileSize, lastSegment, segmentFiles, withTempDir } from "./helpers.ts";

const NO_SYNC = { sync: false };

/** Asserts `p` rejects with a one-line WalCorruptError whose message matches every pattern. */
async function assertCorrupt(p: Promise<unknown>, ...patterns: RegExp[]): Promise<WalCorruptError> {
  let caught: unknown;
  await p.then(() => {}, (e) => (caught = e));
  assert.ok(caught instanceof WalCorruptError, `expected WalCorruptError, got ${String(caught)}`);
  assert.ok(!caught.message.includes("\n"), "the message is one line");
  for (const re of patterns) assert.match(caught.message, re);
  return caught;
}

/** Offsets of the records in a segment file. */
async function recordOffsets(file: string): Promise<number[]> {
  return parseRecords(await fsp.readFile(file)).records.map((r) => r.offset);
}

async function flipByte(file: string, offset: number): Promise<void> {
  const bytes = await fsp.readFile(file);
  bytes[offset] ^= 0x10;
  await fsp.writeFile(file, bytes);
}

Deno.test("torn tail: cutting the last record at every byte offset recovers the records before it", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    for (let i = 1; i <= 5; i++) await wal.append([entry(i)]);
    const seg = await lastSegment(dir);
    // The live segment is preallocated: its records end before the file does.
    const good = parseRecords(await fsp.readFile(seg)).end;
    await wal.append([entry(6, 1, "x".repeat(150))], { term: 1, vote: "n", commit: 5 });
    await wal.close();
    const full = await fsp.readFile(seg);
    assert.ok(full.length > good + 150);

    for (let cut = good; cut < full.length; cut++) {
      await fsp.writeFile(seg, full.subarray(0, cut));
      const { wal: w, recovered } = await Wal.open(dir, NO_SYNC);
      assert.deepEqual(recovered.entries, entries(1, 5), `cut at ${cut}`);
      assert.equal(recovered.hardState, null);
      if (cut === good) assert.equal(recovered.tailRepair, null);
      else {assert.deepEqual({ ...recovered.tailRepair, problem: "" }, {
          file: seg,
          offset: good,
          droppedBytes: cut - good,
          problem: "",
          zeros: false,
        });}
      assert.equal(await fileSize(seg), good, "the garbage is truncated");

      // Appends after the repair land cleanly and read back.
      await w.append([entry(6, 2)]);
      await w.close();
      const again = await Wal.open(dir, NO_SYNC);
      assert.deepEqual(again.recovered.entries, [...entries(1, 5), entry(6, 2)], `reopen after cut at ${cut}`);
      assert.equal(again.recovered.tailRepair, null);
      await again.wal.close();
    }
  });
});

Deno.test("zero-filled tail: after whole records, and after a partial record", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    await wal.append(entries(1, 3));
    await wal.append(entries(4, 6));
    await wal.close();
    const seg = await lastSegment(dir);
    const full = await fsp.readFile(seg);
    const offsets = await recordOffsets(seg);
    const lastRecord = offsets[offsets.length - 1];

    const cases: Array<[string, Uint8Array, number[]]> = [
      ["4 KiB of zeros after the last record", concat(full, new Uint8Array(4096)), [1, 6]],
      ["a few zeros", concat(full, new Uint8Array(7)), [1, 6]],
      ["half a record then zeros", concat(full.subarray(0, lastRecord + 20), new Uint8Array(8192 - lastRecord - 20)), [
        1,
        3,
      ]],
      [
        "the last record's bytes zeroed in place",
        concat(full.subarray(0, lastRecord), new Uint8Array(full.length - lastRecord)),
        [1, 3],
      ],
    ];
    for (const [name, bytes, [from, to]] of cases) {
      await fsp.writeFile(seg, bytes);
      const { wal: w, recovered } = await Wal.open(dir, NO_SYNC);
      assert.deepEqual(recovered.entries, entries(from, to), name);
      assert.ok(recovered.tailRepair, name);
      assert.equal(await fileSize(seg), to === 6 ? full.length : lastRecord, name);
      await w.close();
    }
  });
});

Deno.test("a bad checksum in the middle of the last segment is refused, naming file and offset", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    for (let i = 1; i <= 10; i++) await wal.append([entry(i)]);
    await wal.close();
    const seg = await lastSegment(dir);
    const offsets = await recordOffsets(seg); // [metadata, entry 1, ..., entry 10]
    const original = await fsp.readFile(seg);

    await flipByte(seg, offsets[5] + 30); // payload of entry 5
    const err = await assertCorrupt(
      Wal.open(dir),
      new RegExp(`${path.basename(seg)}: record payload checksum mismatch, followed by valid records`),
      new RegExp(`at byte offset ${offsets[5]};`),
      /restore .* backup/,
    );
    assert.equal(err.file, seg);
    assert.equal(err.offset, offsets[5]);
    assert.deepEqual(
      new Uint8Array(await fsp.readFile(seg)),
      bytesWithFlip(original, offsets[5] + 30),
      "a refused WAL is not modified",
    );

    // A damaged length field must not pass for a torn tail either.
    await fsp.writeFile(seg, original);
    await flipByte(seg, offsets[3] + 1);
    await assertCorrupt(Wal.open(dir), /record header checksum mismatch, followed by valid records/);

    // Damage in the very last record alone is indistinguishable from a torn write: cut, not refused.
    await fsp.writeFile(seg, original);
    await flipByte(seg, offsets[10] + 20);
    const { wal: w, recovered } = await Wal.open(dir);
    assert.deepEqual(recovered.entries, entries(1, 9));
    await w.close();
  });
});

Deno.test("any damage in a segment that is not the last is refused", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m", { segmentBytes: 600 });
    for (let i = 1; i <= 60; i++) await wal.append([entry(i)]);
    await wal.close();
    const files = await segmentFiles(dir);
    assert.ok(files.length >= 3);
    const first = files[0];
    const original = await fsp.readFile(first);
    const offsets = await recordOffsets(first);

    await flipByte(first, offsets[offsets.length - 1] + 18); // its last record
    await assertCorrupt(Wal.open(dir), /record payload checksum mismatch in a segment that was complete and synced/);

    await fsp.writeFile(first, original.subarray(0, original.length - 3)); // truncated
    await assertCorrupt(Wal.open(dir), new RegExp(`${path.basename(first)}: record runs past the end of the file`));

    await fsp.writeFile(first, concat(original, new Uint8Array(100))); // zero-padded: also not a torn tail here
    await assertCorrupt(Wal.open(dir), /invalid record header in a segment that was complete/);

    await fsp.writeFile(first, original);
    const ok = await Wal.open(dir);
    assert.deepEqual(ok.recovered.entries, entries(1, 60));
    await ok.wal.close();
  });
});

Deno.test("missing segment files are refused", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m", { segmentBytes: 600 });
    for (let i = 1; i <= 60; i++) await wal.append([entry(i)]);
    await wal.close();
    const files = await segmentFiles(dir);
    const middle = files[1];
    const bytes = await fsp.readFile(middle);
    await fsp.rm(middle);
    await assertCorrupt(Wal.open(dir), /segment 2 is missing before this one/);
    await fsp.writeFile(middle, bytes);
    await fsp.rm(files[0]);
    await assertCorrupt(Wal.open(dir), /log entries 1\.\.\d+ are missing/);
  });
});

Deno.test("a segment whose header is damaged is refused even when it is the last", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    await wal.close();
    const seg = await lastSegment(dir);
    await fsp.writeFile(seg, new Uint8Array(0));
    await assertCorrupt(Wal.open(dir), /does not begin with a metadata record/);
  });
});

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function bytesWithFlip(bytes: Uint8Array, at: number): Uint8Array {
  const out = new Uint8Array(bytes); // a copy: Buffer#slice (what readFile returns) would alias
  out[at] ^= 0x10;
  return out;
}

Deno.test("every write is exactly one record, snapshot markers included", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    await wal.append(entries(1, 10));
    const calls: Promise<void>[] = [];
    for (let i = 11; i <= 60; i++) {
      calls.push(wal.append([entry(i)]));
      if (i % 10 === 0) calls.push(wal.saveSnapshot({ index: i - 5, term: 1, meta: "", data: "" }));
    }
    await Promise.all(calls);
    const writes = wal.stats.writes;
    await wal.close();
    assert.equal((await recordOffsets(await lastSegment(dir))).length, 1 + writes);
  });
});

Deno.test("torn write of a snapshot marker: the snapshot is not used, the log is whole", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    await wal.append(entries(1, 8));
    const seg = await lastSegment(dir);
    const good = await fileSize(seg);
    await wal.saveSnapshot({ index: 6, term: 1, meta: "{}", data: "six" });
    await wal.close();
    const full = await fsp.readFile(seg);
    for (let cut = good + 1; cut < full.length; cut++) {
      await fsp.writeFile(seg, full.subarray(0, cut));
      const { wal: w, recovered } = await Wal.open(dir, NO_SYNC);
      assert.equal(recovered.snapshot, null, `cut at ${cut}`);
      assert.deepEqual(recovered.entries, entries(1, 8));
      await w.close();
    }
    await fsp.writeFile(seg, full);
    const { wal: w, recovered } = await Wal.open(dir);
    assert.equal(recovered.snapshot?.data, "six");
    assert.deepEqual(recovered.entries, entries(7, 8));
    await w.close();
  });
});

/** Replaces `marker` (ASCII) in the record that holds it with bytes that are not UTF-8, keeping the checksums valid; returns the record's offset. */
async function writeNonUtf8(file: string, marker: string): Promise<number> {
  const bytes = await fsp.readFile(file);
  const needle = new TextEncoder().encode(marker);
  for (const rec of parseRecords(bytes).records) {
    const payload = rec.payload.slice();
    const at = Buffer.from(payload).indexOf(needle);
    if (at < 0) continue;
    payload.fill(0xff, at, at + needle.length);
    bytes.set(encodeRecord(rec.type, payload), rec.offset);
    await fsp.writeFile(file, bytes);
    return rec.offset;
  }
  throw new Error(`${marker} is in no record of ${file}`);
}

Deno.test("an entry whose data is not UTF-8 under a valid checksum is refused, naming file and record", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m", NO_SYNC);
    await wal.append(entries(1, 2));
    await wal.append([entry(3, 1, "BROKEN"), entry(4)]);
    await wal.append(entries(5, 6));
    await wal.close();
    const seg = await lastSegment(dir);
    const offset = await writeNonUtf8(seg, "BROKEN");
    const err = await assertCorrupt(Wal.open(dir, NO_SYNC), /valid checksum but a malformed payload/, /invalid UTF-8 in entry 3's data/);
    assert.equal(err.file, seg);
    assert.equal(err.offset, offset);
  });
});

Deno.test("entries a later snapshot covers are not decoded: one that is not UTF-8 does not stop recovery", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m", NO_SYNC);
    await wal.append([entry(1), entry(2, 1, "BROKEN"), entry(3)]);
    await wal.saveSnapshot({ index: 3, term: 1, meta: "{}", data: "state at 3" });
    await wal.append(entries(4, 6));
    await wal.close();
    await writeNonUtf8(await lastSegment(dir), "BROKEN");
    const { wal: w, recovered } = await Wal.open(dir, NO_SYNC);
    assert.equal(recovered.snapshot?.data, "state at 3");
    assert.deepEqual(recovered.entries, entries(4, 6));
    await w.close();
  });
});

Deno.test("an overwrite the last snapshot covers still drops the entries it replaced", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m", NO_SYNC);
    await wal.append(entries(1, 8));
    await wal.append([entry(6, 2)]); // a new leader's entry 6: 7 and 8 are gone
    await wal.saveSnapshot({ index: 6, term: 2, meta: "{}", data: "state at 6" });
    await wal.append([entry(7, 2, "new 7")]);
    await wal.close();
    const { wal: w, recovered } = await Wal.open(dir, NO_SYNC);
    assert.deepEqual(recovered.entries, [entry(7, 2, "new 7")]);
    await w.close();
  });
});
