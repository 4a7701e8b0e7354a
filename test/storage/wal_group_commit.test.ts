import assert from "node:assert/strict";
import { Wal } from "../../server/storage/mod.ts";
import { entries, entry, withTempDir } from "./helpers.ts";

Deno.test("appends made together share one write and one fsync", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    const calls: Promise<void>[] = [];
    for (let i = 1; i <= 1000; i++) calls.push(wal.append([entry(i)], { term: 1, vote: "", commit: i }));
    await Promise.all(calls);
    const s = wal.stats;
    assert.equal(s.appends, 1000);
    assert.equal(s.syncs, 1, "all 1000 were queued before the first write started");
    assert.equal(s.writes, 1);
    await wal.close();
    const { wal: w, recovered } = await Wal.open(dir);
    assert.deepEqual(recovered.entries, entries(1, 1000));
    assert.deepEqual(recovered.hardState, { term: 1, vote: "", commit: 1000 });
    await w.close();
  });
});

Deno.test("64 clients appending in a loop: far fewer fsyncs than appends, order kept", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    let next = 1;
    const acked: number[] = [];
    const client = async () => {
      for (let k = 0; k < 40; k++) {
        const i = next++;
        await wal.append([entry(i)]);
        acked.push(i);
      }
    };
    await Promise.all(Array.from({ length: 64 }, client));
    const s = wal.stats;
    assert.equal(s.appends, 64 * 40);
    assert.ok(s.syncs <= s.appends / 16, `expected group commit, got ${s.syncs} fsyncs for ${s.appends} appends`);
    assert.equal(s.syncs, s.writes);
    // Acknowledgements come in index order: an append is never durable before an earlier one.
    assert.deepEqual(acked, [...acked].sort((a, b) => a - b));
    await wal.close();
    const { wal: w, recovered } = await Wal.open(dir);
    assert.deepEqual(recovered.entries, entries(1, 64 * 40));
    await w.close();
  });
});

Deno.test("appends arriving while a write is in flight go into the next single write", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    const first = wal.append([entry(1)]);
    await Promise.resolve();
    await Promise.resolve(); // the first write is now under way
    const rest = Array.from({ length: 50 }, (_, k) => wal.append([entry(k + 2)]));
    await Promise.all([first, ...rest]);
    assert.deepEqual({ writes: wal.stats.writes, syncs: wal.stats.syncs }, { writes: 2, syncs: 2 });
    await wal.close();
  });
});

Deno.test("sync: false writes without fsync (tests and benchmarks only)", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m", { sync: false });
    await wal.append(entries(1, 10));
    assert.equal(wal.stats.syncs, 0);
    assert.equal(wal.stats.writes, 1);
    await wal.close();
  });
});

Deno.test("after a failed write the WAL refuses everything instead of guessing", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    await wal.append(entries(1, 2));
    // Pull the file out from under it: the next write fails.
    await (wal as unknown as { fh: { close(): Promise<void> } }).fh.close();
    await assert.rejects(wal.append([entry(3)]), /WAL write failed, no further writes are accepted/);
    await assert.rejects(wal.append([entry(3)]), /WAL write failed/);
    await assert.rejects(wal.saveSnapshot({ index: 2, term: 1, meta: "", data: "" }), /WAL write failed/);
    await wal.close().catch(() => {});
    const { wal: w, recovered } = await Wal.open(dir);
    assert.deepEqual(recovered.entries, entries(1, 2));
    await w.close();
  });
});

Deno.test("close waits for queued appends", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    const pending = Array.from({ length: 20 }, (_, k) => wal.append([entry(k + 1)]));
    await wal.close();
    await Promise.all(pending);
    const { wal: w, recovered } = await Wal.open(dir);
    assert.equal(recovered.entries.length, 20);
    await w.close();
  });
});

Deno.test("the fdatasync runs on the loop's thread when syncOnLoop says so, else in the pool", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    try {
      assert.equal(wal.syncOnLoop(), false, "the pool unless the owner says otherwise");
      let onLoop = true;
      wal.syncOnLoop = () => onLoop;
      for (let i = 1; i <= 5; i++) await wal.append([entry(i)], { term: 1, vote: "", commit: i });
      // Made together, appends still share one write and one (loop-thread) sync.
      await Promise.all([6, 7, 8].map((i) => wal.append([entry(i)])));
      assert.equal(wal.stats.syncs, 6);
      assert.equal(wal.stats.loopSyncs, 6);
      onLoop = false;
      for (let i = 9; i <= 10; i++) await wal.append([entry(i)]);
      assert.equal(wal.stats.syncs, 8);
      assert.equal(wal.stats.loopSyncs, 6, "the owner said no: the syncs went to the thread pool");
    } finally {
      await wal.close();
    }
    const { wal: w, recovered } = await Wal.open(dir);
    assert.deepEqual(recovered.entries, entries(1, 10));
    await w.close();
  });
});
