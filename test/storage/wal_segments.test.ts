import assert from "node:assert/strict";
import * as path from "node:path";
import { parseSegmentName } from "../../server/storage/layout.ts";
import { Wal } from "../../server/storage/mod.ts";
import { entries, entry, fileSize, segmentFiles, withTempDir } from "./helpers.ts";

const SEG = 1024;

Deno.test("segments roll over at segmentBytes and are named <seq>-<firstIndex>", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "meta", { segmentBytes: SEG });
    for (let i = 1; i <= 200; i++) await wal.append([entry(i)], { term: 1, vote: "", commit: i - 1 });
    await wal.close();

    const files = await segmentFiles(dir);
    assert.ok(files.length >= 10, `expected many segments, got ${files.length}`);
    const names = files.map((f) => parseSegmentName(path.basename(f))!);
    names.forEach((n, i) => assert.equal(n.seq, i + 1));
    assert.equal(names[0].firstIndex, 1);
    for (let i = 1; i < names.length; i++) assert.ok(names[i].firstIndex > names[i - 1].firstIndex);
    // A segment is cut as soon as it reaches the limit, so none is much bigger than one batch past it.
    for (const f of files.slice(0, -1)) assert.ok((await fileSize(f)) < SEG + 200);

    const { wal: w, recovered } = await Wal.open(dir, { segmentBytes: SEG });
    assert.deepEqual(recovered.entries, entries(1, 200));
    assert.deepEqual(recovered.hardState, { term: 1, vote: "", commit: 199 });
    assert.equal(recovered.metadata, "meta");
    await w.append(entries(201, 260));
    await w.close();
    const reopened = await Wal.open(dir, { segmentBytes: SEG });
    assert.deepEqual(reopened.recovered.entries, entries(1, 260));
    await reopened.wal.close();
  });
});

Deno.test("an overwrite reaching back into an older segment replays correctly", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m", { segmentBytes: SEG });
    for (let i = 1; i <= 100; i++) await wal.append([entry(i, 1)]);
    assert.ok((await segmentFiles(dir)).length > 3);
    await wal.append([entry(10, 2), entry(11, 2)]);
    await wal.close();
    const { wal: w, recovered } = await Wal.open(dir, { segmentBytes: SEG });
    assert.deepEqual(recovered.entries, [...entries(1, 9, 1), entry(10, 2), entry(11, 2)]);
    assert.equal(w.lastIndex, 11);
    await w.close();
  });
});

Deno.test("a snapshot deletes exactly the segments it covers; metadata and hard state survive", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "meta", { segmentBytes: SEG });
    await wal.append([], { term: 7, vote: "v", commit: 0 }); // never repeated in a batch after this
    for (let i = 1; i <= 150; i++) await wal.append([entry(i, 7)]);
    const before = await segmentFiles(dir);
    await wal.saveSnapshot({ index: 100, term: 7, meta: "{}", data: "s" });
    const after = await segmentFiles(dir);
    assert.ok(after.length < before.length);
    assert.deepEqual(after, before.slice(before.length - after.length), "only a prefix is deleted");
    // The first surviving segment holds entry 101 or earlier; the segment before it held nothing above 100.
    const firstKept = parseSegmentName(path.basename(after[0]))!;
    assert.ok(firstKept.firstIndex <= 101);
    const lastDeleted = parseSegmentName(path.basename(before[before.length - after.length - 1]))!;
    assert.ok(lastDeleted.firstIndex <= 100);
    await wal.close();

    const { wal: w, recovered } = await Wal.open(dir, { segmentBytes: SEG });
    assert.equal(recovered.metadata, "meta");
    assert.deepEqual(recovered.hardState, { term: 7, vote: "v", commit: 0 });
    assert.deepEqual(recovered.entries, entries(101, 150, 7));
    assert.equal(recovered.snapshot?.index, 100);
    await w.close();
  });
});

Deno.test("a snapshot that replaces the log makes every older segment redundant", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m", { segmentBytes: SEG });
    for (let i = 1; i <= 100; i++) await wal.append([entry(i, 1)]);
    await wal.saveSnapshot({ index: 500, term: 4, meta: "{}", data: "" });
    assert.equal((await segmentFiles(dir)).length, 1);
    for (let i = 501; i <= 560; i++) await wal.append([entry(i, 4)]);
    await wal.close();
    const { wal: w, recovered } = await Wal.open(dir, { segmentBytes: SEG });
    assert.deepEqual(recovered.entries, entries(501, 560, 4));
    assert.equal(recovered.snapshot?.term, 4);
    await w.close();
  });
});

Deno.test("snapshots taken while segments keep rolling: every reopen sees the same log", async () => {
  await withTempDir(async (dir) => {
    let { wal } = { wal: await Wal.create(dir, "m", { segmentBytes: 700 }) };
    let snapAt = 0;
    for (let i = 1; i <= 400; i++) {
      await wal.append([entry(i, 1 + Math.floor(i / 100))], { term: 1 + Math.floor(i / 100), vote: "", commit: i });
      if (i % 37 === 0) {
        snapAt = i - 5;
        await wal.saveSnapshot({ index: snapAt, term: 1 + Math.floor(snapAt / 100), meta: "{}", data: `${snapAt}` });
      }
      if (i % 90 === 0) {
        await wal.close();
        const opened = await Wal.open(dir, { segmentBytes: 700 });
        wal = opened.wal;
        assert.equal(opened.recovered.snapshot?.index, snapAt);
        assert.equal(opened.recovered.entries[0].index, snapAt + 1);
        assert.equal(opened.recovered.entries.at(-1)?.index, i);
      }
    }
    await wal.close();
    assert.ok((await segmentFiles(dir)).length < 10, "old segments are deleted as snapshots cover them");
  });
});
