// Short durability run: kill -9 all three members at once in the middle of a
// write load, restart them, and read back every acknowledged write with its
// value (the long version is tools/reliability/durability.ts).

import assert from "node:assert/strict";
import { formatDurability, runDurability } from "../../tools/reliability/durability.ts";
import { checkAcked, WriteLoad } from "../../tools/reliability/durability_load.ts";
import { Rng } from "../../tools/reliability/rng.ts";

Deno.test({
  name: "kill -9 of every member at once, twice under a write load, loses no acknowledged write",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const r = await runDurability({ seed: 1, mode: "all", rounds: 2, writers: 6, runtime: "deno", ipBase: "127.0.69", loadMs: [600, 1200] });
    const report = formatDurability(r);
    assert.equal(r.rounds.filter((x) => x.killed.length === 3).length, 2, report);
    assert.ok(r.acked > 100, `too few writes acknowledged to mean anything:\n${report}`);
    assert.deepEqual(r.rounds.flatMap((x) => x.lost), [], report);
    assert.ok(r.checked > 0, report);
  },
});

Deno.test({
  name: "the acknowledged-write check finds a lost write and a stale value",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // A fake member: one recursive read answering what a broken store would.
    const load = new WriteLoad({ urls: [], writers: 2, keysPerWriter: 2, prefix: "p", timeoutMs: 1000, rng: new Rng(1) });
    load.sent[0] = 3;
    load.sent[1] = 1;
    load.latest.set("p/w0/k0", { key: "p/w0/k0", value: "0-2", seq: 2, modifiedIndex: 12 });
    load.latest.set("p/w0/k1", { key: "p/w0/k1", value: "0-1", seq: 1, modifiedIndex: 11 });
    load.latest.set("p/w1/k0", { key: "p/w1/k0", value: "1-0", seq: 0, modifiedIndex: 10 });
    const leaf = (key: string, value: string, modifiedIndex: number) => ({ key: `/${key}`, value, modifiedIndex });
    const tree = {
      node: {
        key: "/p",
        dir: true,
        nodes: [
          { key: "/p/w0", dir: true, nodes: [leaf("p/w0/k0", "0-0", 9), leaf("p/w0/k1", "0-3", 14)] },
          { key: "/p/w1", dir: true, nodes: [] },
        ],
      },
    };
    const server = Deno.serve({ hostname: "127.0.69.9", port: 0, onListen() {} }, () => Response.json(tree));
    try {
      const url = `http://127.0.69.9:${server.addr.port}`;
      const { lost } = await checkAcked(load, url, "p");
      // w0/k0 went back to an older value; w1/k0 vanished; w0/k1 was overwritten by w0's later write 3: fine.
      assert.deepEqual(lost.map((l) => `${l.key} ${l.acked} ${l.found}`).sort(), ["p/w0/k0 0-2@12 0-0@9", "p/w1/k0 1-0@10 (missing)"]);
    } finally {
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "kill -9 of every member the moment a snapshot file appears loses no acknowledged write",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const r = await runDurability({ seed: 2, mode: "snapshot", rounds: 2, writers: 6, runtime: "deno", ipBase: "127.0.69", loadMs: [400, 800] });
    const report = formatDurability(r);
    assert.ok(r.snapshots > 0, `no snapshots were taken:\n${report}`);
    assert.deepEqual(r.rounds.flatMap((x) => x.lost), [], report);
  },
});
