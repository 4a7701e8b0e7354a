import assert from "node:assert/strict";
import { Wal, WalUsageError } from "../../server/storage/mod.ts";
import { entries, entry, withTempDir } from "./helpers.ts";

Deno.test("exists/create/open: a new WAL round-trips metadata, entries and hard state", async () => {
  await withTempDir(async (dir) => {
    assert.equal(await Wal.exists(dir), false);
    const wal = await Wal.create(dir, '{"memberId":"8e9e05c52164694d"}');
    assert.equal(await Wal.exists(dir), true);
    await wal.append(entries(1, 3), { term: 1, vote: "a", commit: 2 });
    await wal.append([{ index: 4, term: 2, type: "confChange", data: "ünïcødé ✓ \u{1F600}" }]);
    await wal.close();

    const { wal: again, recovered } = await Wal.open(dir);
    assert.equal(recovered.metadata, '{"memberId":"8e9e05c52164694d"}');
    assert.equal(recovered.snapshot, null);
    assert.deepEqual(recovered.hardState, { term: 1, vote: "a", commit: 2 });
    assert.deepEqual(recovered.entries, [
      ...entries(1, 3),
      { index: 4, term: 2, type: "confChange", data: "ünïcødé ✓ \u{1F600}" },
    ]);
    assert.equal(recovered.tailRepair, null);
    assert.equal(again.lastIndex, 4);
    await again.close();
  });
});

Deno.test("create refuses a data dir that already has a WAL; open refuses one without", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(Wal.open(dir), (err: Error) => err instanceof WalUsageError && /no WAL in/.test(err.message));
    const wal = await Wal.create(dir, "m");
    await wal.close();
    await assert.rejects(
      Wal.create(dir, "m"),
      (err: Error) => err instanceof WalUsageError && /already exists/.test(err.message),
    );
  });
});

Deno.test("appending after reopen continues the same log", async () => {
  await withTempDir(async (dir) => {
    let wal = await Wal.create(dir, "m");
    await wal.append(entries(1, 5));
    await wal.close();
    for (let round = 0; round < 3; round++) {
      const opened = await Wal.open(dir);
      wal = opened.wal;
      assert.equal(opened.recovered.entries.length, 5 + round * 5);
      await wal.append(entries(6 + round * 5, 10 + round * 5));
      await wal.close();
    }
    const { wal: w, recovered } = await Wal.open(dir);
    assert.deepEqual(recovered.entries, entries(1, 20));
    await w.close();
  });
});

Deno.test("an entry at an index already written overwrites it and drops everything after (Raft truncation)", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    await wal.append(entries(1, 10, 1));
    await wal.append([entry(6, 2), entry(7, 2)]);
    assert.equal(wal.lastIndex, 7);
    await wal.append([entry(8, 2)]);
    await wal.append([entry(3, 3)]); // truncates again, further back
    await wal.append([entry(4, 3), entry(5, 3)]);
    await wal.close();
    const { wal: w, recovered } = await Wal.open(dir);
    assert.deepEqual(recovered.entries, [entry(1, 1), entry(2, 1), entry(3, 3), entry(4, 3), entry(5, 3)]);
    assert.equal(w.lastIndex, 5);
    await w.close();
  });
});

Deno.test("overwrites inside one append call and across concurrent calls replay the same way", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    await Promise.all([
      wal.append(entries(1, 6, 1)),
      wal.append([entry(4, 2), entry(5, 2)]),
      wal.append([entry(6, 2), entry(2, 3)]),
      wal.append([entry(3, 3)]),
    ]);
    await wal.close();
    const { wal: w, recovered } = await Wal.open(dir);
    assert.deepEqual(recovered.entries, [entry(1, 1), entry(2, 3), entry(3, 3)]);
    await w.close();
  });
});

Deno.test("gaps and bad arguments are refused without touching the log", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    await assert.rejects(wal.append([entry(2)]), /entry 2 would leave a gap after index 0/);
    await wal.append(entries(1, 3));
    await assert.rejects(wal.append([entry(4), entry(6)]), /gap after index 4/);
    assert.equal(wal.lastIndex, 3, "a refused call changes nothing, not even its valid prefix");
    await assert.rejects(wal.append([{ ...entry(4), index: 4.5 }]), /entry.index must be an integer/);
    await assert.rejects(wal.append([{ ...entry(4), type: "bogus" as "normal" }]), /entry.type/);
    await assert.rejects(wal.append([{ ...entry(4), data: 7 as unknown as string }]), /entry.data must be a string/);
    await assert.rejects(wal.append([], { term: -1, vote: "", commit: 0 }), /hardState.term/);
    await assert.rejects(
      wal.append([], { term: 1, vote: "", commit: Number.MAX_SAFE_INTEGER + 2 }),
      /hardState.commit/,
    );
    await wal.close();
    await assert.rejects(wal.append([entry(4)]), /closed/);
    const { wal: w, recovered } = await Wal.open(dir);
    assert.deepEqual(recovered.entries, entries(1, 3));
    await w.close();
  });
});

Deno.test("hard state: the last one written wins, with or without entries", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    await wal.append([], { term: 1, vote: "", commit: 0 });
    await wal.append(entries(1, 2), { term: 2, vote: "b", commit: 1 });
    await wal.append(entries(3, 3));
    await Promise.all([
      wal.append([], { term: 3, vote: "c", commit: 2 }),
      wal.append([], { term: 3, vote: "c", commit: 3 }),
    ]);
    await wal.close();
    const { wal: w, recovered } = await Wal.open(dir);
    assert.deepEqual(recovered.hardState, { term: 3, vote: "c", commit: 3 });
    assert.deepEqual(recovered.entries, entries(1, 3));
    await w.close();
  });
});

Deno.test("large indexes and terms survive the 64-bit encoding", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    const big = Number.MAX_SAFE_INTEGER - 10;
    await wal.saveSnapshot({ index: big, term: 2 ** 40 + 3, meta: "{}", data: "" });
    await wal.append([entry(big + 1, 2 ** 40 + 3)], { term: 2 ** 40 + 3, vote: "x", commit: big + 1 });
    await wal.close();
    const { wal: w, recovered } = await Wal.open(dir);
    assert.equal(recovered.snapshot?.index, big);
    assert.deepEqual(recovered.entries, [entry(big + 1, 2 ** 40 + 3)]);
    assert.deepEqual(recovered.hardState, { term: 2 ** 40 + 3, vote: "x", commit: big + 1 });
    await w.close();
  });
});

Deno.test("append([]) with nothing to write still resolves, after earlier appends", async () => {
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    const order: string[] = [];
    const a = wal.append(entries(1, 1)).then(() => order.push("a"));
    const b = wal.append([]).then(() => order.push("b"));
    await Promise.all([a, b]);
    assert.deepEqual(order, ["a", "b"]);
    await wal.close();
  });
});
