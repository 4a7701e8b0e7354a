import assert from "node:assert/strict";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { snapDir, Wal, WalCorruptError, WalUsageError } from "../../server/storage/mod.ts";
import { writeSnapshotFile } from "../../server/storage/snapshot_file.ts";
import { entries, entry, segmentFiles, withTempDir } from "./helpers.ts";

function snap(index: number, term: number, data = `state@${index}`) {
  return { index, term, meta: `{"members":["a"],"at":${index}}`, data };
}

async function snapFiles(dir: string): Promise<string[]> {
  return (await fsp.readdir(snapDir(dir))).sort();
}

Deno.test("a snapshot of the local log keeps the entries after it", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    await wal.append(entries(1, 10), { term: 1, vote: "a", commit: 8 });
    await wal.saveSnapshot(snap(5, 1));
    assert.equal(wal.snapshotIndex, 5);
    assert.equal(wal.lastIndex, 10);
    await wal.append(entries(11, 12));
    await wal.close();

    const { wal: w, recovered } = await Wal.open(dir);
    assert.deepEqual(recovered.snapshot, snap(5, 1));
    assert.deepEqual(recovered.entries, entries(6, 12));
    assert.deepEqual(recovered.hardState, { term: 1, vote: "a", commit: 8 });
    assert.equal(w.snapshotIndex, 5);
    await assert.rejects(w.append([entry(5)]), /already covered by the snapshot at index 5/);
    await w.close();
  });
});

Deno.test("a snapshot that does not match the log (received from a leader) replaces the log", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    await wal.append(entries(1, 10, 1));
    await wal.saveSnapshot(snap(8, 2)); // entry 8 has term 1: conflicting entries must go
    assert.equal(wal.lastIndex, 8);
    await assert.rejects(wal.append([entry(10, 2)]), /gap after index 8/);
    await wal.append([entry(9, 2)]);
    await wal.close();
    let opened = await Wal.open(dir);
    assert.deepEqual(opened.recovered.entries, [entry(9, 2)]);
    assert.deepEqual(opened.recovered.snapshot, snap(8, 2));

    await opened.wal.saveSnapshot(snap(40, 3)); // beyond the end of the log
    assert.equal(opened.wal.lastIndex, 40);
    await opened.wal.append([entry(41, 3)]);
    await opened.wal.close();
    opened = await Wal.open(dir);
    assert.deepEqual(opened.recovered.entries, [entry(41, 3)]);
    assert.equal(opened.recovered.snapshot?.index, 40);
    await opened.wal.close();
  });
});

Deno.test("saving the same snapshot again keeps the log; an older one is refused", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    await wal.append(entries(1, 10));
    await wal.saveSnapshot(snap(6, 1));
    await wal.saveSnapshot(snap(6, 1));
    assert.equal(wal.lastIndex, 10);
    await assert.rejects(
      wal.saveSnapshot(snap(4, 1)),
      (e: Error) => e instanceof WalUsageError && /older/.test(e.message),
    );
    await assert.rejects(wal.saveSnapshot({ ...snap(7, 1), data: null as unknown as string }), /snapshot.data/);
    await wal.close();
    const { wal: w, recovered } = await Wal.open(dir);
    assert.deepEqual(recovered.entries, entries(7, 10));
    await w.close();
  });
});

Deno.test("old snapshot files are pruned, keeping keepSnapshots of them", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    await wal.append(entries(1, 50));
    for (const i of [10, 20, 30, 40]) await wal.saveSnapshot(snap(i, 1));
    assert.deepEqual(await snapFiles(dir), [
      "0000000000000001-000000000000001e.snap",
      "0000000000000001-0000000000000028.snap",
    ]);
    await wal.close();
    const { wal: w } = await Wal.open(dir, { keepSnapshots: 1 });
    await w.saveSnapshot(snap(45, 1));
    assert.deepEqual(await snapFiles(dir), ["0000000000000001-000000000000002d.snap"]);
    await w.close();
  });
});

Deno.test("crash after the snapshot file but before its log marker: the file is ignored, nothing is lost", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m", { segmentBytes: 512 });
    await wal.append(entries(1, 40));
    await wal.saveSnapshot(snap(10, 1));
    await wal.close();
    // The crashed save: file written and renamed, marker never appended; plus a half-written temp file.
    await writeSnapshotFile(snapDir(dir), snap(30, 1), true);
    await fsp.writeFile(path.join(snapDir(dir), "0000000000000001-0000000000000023.snap.tmp"), "partial");

    const { wal: w, recovered } = await Wal.open(dir, { segmentBytes: 512 });
    assert.deepEqual(recovered.snapshot, snap(10, 1));
    assert.deepEqual(recovered.entries, entries(11, 40));
    assert.ok(!(await snapFiles(dir)).some((n) => n.endsWith(".tmp")), "temp files are cleaned up");
    await w.saveSnapshot(snap(20, 1));
    // The orphan (index 30, newer than the current snapshot) is pruned with the rest.
    assert.deepEqual(await snapFiles(dir), [
      "0000000000000001-000000000000000a.snap",
      "0000000000000001-0000000000000014.snap",
    ]);
    await w.close();
  });
});

Deno.test("crash after the log marker but before old segments were deleted: same recovery", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m", { segmentBytes: 400 });
    await wal.append([], { term: 1, vote: "z", commit: 0 });
    for (let i = 1; i <= 60; i++) await wal.append([entry(i)]);
    const before = new Map<string, Uint8Array>();
    for (const f of await segmentFiles(dir)) before.set(f, await fsp.readFile(f));
    await wal.saveSnapshot(snap(45, 1));
    await wal.append(entries(61, 62));
    await wal.close();

    const after = await segmentFiles(dir);
    const deleted = [...before.keys()].filter((f) => !after.includes(f));
    assert.ok(deleted.length >= 2, `the snapshot should have made old segments redundant (${deleted.length})`);
    const clean = await Wal.open(dir, { segmentBytes: 400 });
    await clean.wal.close();

    // Put the deleted segments back, as if the crash came before the deletions.
    for (const f of deleted) await fsp.writeFile(f, before.get(f) as Uint8Array);
    const crashed = await Wal.open(dir, { segmentBytes: 400 });
    assert.deepEqual(crashed.recovered, clean.recovered);
    assert.deepEqual(crashed.recovered.entries, entries(46, 62));
    assert.deepEqual(crashed.recovered.hardState, { term: 1, vote: "z", commit: 0 });
    await crashed.wal.close();

    // Only a prefix of the deletions done (the newest deleted one restored) works too.
    const someDeleted = deleted.slice(0, deleted.length - 1);
    for (const f of someDeleted) await fsp.rm(f);
    const partial = await Wal.open(dir, { segmentBytes: 400 });
    assert.deepEqual(partial.recovered, clean.recovered);
    await partial.wal.close();
  });
});

Deno.test("a 20 MB snapshot round-trips", async () => {
  await withTempDir(async (dir) => {
    const chunk = "key/ñ/€/\u{1F511}=" + "v".repeat(100) + "\n";
    const data = chunk.repeat(Math.ceil((20 * 1024 * 1024) / chunk.length));
    const wal = await Wal.create(dir, "m");
    await wal.append(entries(1, 3));
    await wal.saveSnapshot({ index: 3, term: 1, meta: '{"big":true}', data });
    await wal.close();
    const { wal: w, recovered } = await Wal.open(dir);
    assert.equal(recovered.snapshot?.data.length, data.length);
    assert.ok(recovered.snapshot?.data === data);
    assert.equal(recovered.snapshot?.meta, '{"big":true}');
    assert.deepEqual(recovered.entries, []);
    await w.close();
  });
});

Deno.test("a missing or damaged snapshot file that the log points to is refused", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    await wal.append(entries(1, 5));
    await wal.saveSnapshot(snap(4, 1, "x".repeat(1000)));
    await wal.close();
    const file = path.join(snapDir(dir), "0000000000000001-0000000000000004.snap");
    const bytes = await fsp.readFile(file);

    bytes[500] ^= 0x40;
    await fsp.writeFile(file, bytes);
    await assert.rejects(Wal.open(dir), (e: Error) => {
      assert.ok(e instanceof WalCorruptError);
      assert.match(
        e.message,
        /0000000000000001-0000000000000004\.snap: snapshot file is damaged: record payload checksum mismatch at byte offset 0/,
      );
      return true;
    });

    await fsp.rm(file);
    await assert.rejects(Wal.open(dir), (e: Error) => e instanceof WalCorruptError && /is missing/.test(e.message));
  });
});

Deno.test("close() lets a snapshot already under way finish", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    await wal.append(entries(1, 5));
    const saving = wal.saveSnapshot(snap(3, 1, "y".repeat(1_000_000)));
    await wal.close();
    await saving;
    await assert.rejects(wal.saveSnapshot(snap(4, 1)), /closed/);
    const { wal: w, recovered } = await Wal.open(dir);
    assert.equal(recovered.snapshot?.index, 3);
    assert.deepEqual(recovered.entries, entries(4, 5));
    await w.close();
  });
});

Deno.test("a snapshot given as UTF-8 bytes is read back as the same text", async () => {
  await withTempDir(async (dir) => {
    const text = '{"k":"ñ€\u{1F511}"}'.repeat(1000);
    const wal = await Wal.create(dir, "m");
    await wal.append(entries(1, 3));
    await wal.saveSnapshot({ index: 3, term: 1, meta: "{}", data: new TextEncoder().encode(text) });
    await wal.close();
    const { wal: w, recovered } = await Wal.open(dir);
    assert.equal(recovered.snapshot?.data, text);
    await assert.rejects(
      () => w.saveSnapshot({ index: 3, term: 1, meta: "{}", data: 42 as never }),
      /snapshot\.data/,
    );
    await w.close();
  });
});
