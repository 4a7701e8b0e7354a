// The active segment is grown ahead of its writes (zeros past the last
// record) so each fdatasync needs no size update. A clean close or a cut
// takes the zeros off; a crash leaves them, and recovery reads them as the
// end of the log.

import assert from "node:assert/strict";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { Wal } from "../../server/storage/mod.ts";
import { parseRecords } from "../../server/storage/record.ts";
import { entries, entry, fileSize, lastSegment, segmentFiles, withTempDir } from "./helpers.ts";

const NO_SYNC = { sync: false };

async function recordsEnd(file: string): Promise<number> {
  return parseRecords(await fsp.readFile(file)).end;
}

Deno.test("the live segment is preallocated; a clean close trims it to its records", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m", NO_SYNC);
    await wal.append(entries(1, 10));
    const seg = await lastSegment(dir);
    const end = await recordsEnd(seg);
    assert.ok(await fileSize(seg) >= end + 1024 * 1024, "grown ahead of the writes");
    await wal.close();
    assert.equal(await fileSize(seg), end);
    const { wal: again, recovered } = await Wal.open(dir, NO_SYNC);
    assert.deepEqual(recovered.entries, entries(1, 10));
    assert.equal(recovered.tailRepair, null);
    await again.close();
  });
});

Deno.test("a crash leaves the zeros: recovery ends the log there, and writing goes on", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m", NO_SYNC);
    for (let i = 1; i <= 20; i++) await wal.append([entry(i)], { term: 1, vote: "", commit: i - 1 });
    // A copy of the data dir as a kill -9 would leave it: the WAL never closed.
    const crashed = path.join(dir, "crashed");
    await fsp.cp(path.join(dir, "member"), path.join(crashed, "member"), { recursive: true });
    await wal.close();

    const seg = await lastSegment(crashed);
    const end = await recordsEnd(seg);
    assert.ok(await fileSize(seg) > end, "the copy has the zero tail");
    const { wal: w, recovered } = await Wal.open(crashed, NO_SYNC);
    assert.deepEqual(recovered.entries, entries(1, 20));
    assert.deepEqual(recovered.hardState, { term: 1, vote: "", commit: 19 });
    assert.equal(recovered.tailRepair?.zeros, true, "only zeros were dropped");
    assert.equal(recovered.tailRepair?.offset, end);
    await w.append([entry(21)]);
    await w.close();
    const again = await Wal.open(crashed, NO_SYNC);
    assert.deepEqual(again.recovered.entries, entries(1, 21));
    assert.equal(again.recovered.tailRepair, null);
    await again.wal.close();
  });
});

Deno.test("segments cut while writing keep no zeros; the log reads back across them after a crash", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m", { sync: false, segmentBytes: 2048 });
    for (let i = 1; i <= 60; i++) await wal.append([entry(i, 1, "v".repeat(100))]);
    const crashed = path.join(dir, "crashed");
    // A cut may still be running after the last append resolved: a crash
    // leaves its half-made ".tmp" segment behind, which recovery removes.
    await fsp.cp(path.join(dir, "member"), path.join(crashed, "member"), { recursive: true, filter: (src) => !src.endsWith(".tmp") });
    await wal.close();

    const files = await segmentFiles(crashed);
    assert.ok(files.length > 3, `${files.length} segments`);
    for (const f of files.slice(0, -1)) assert.equal(await fileSize(f), await recordsEnd(f), `${f} has no zero tail`);
    const { wal: w, recovered } = await Wal.open(crashed, NO_SYNC);
    assert.deepEqual(recovered.entries.map((e) => e.index), entries(1, 60).map((e) => e.index));
    await w.close();
  });
});
