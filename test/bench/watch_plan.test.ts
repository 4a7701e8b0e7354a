// The bench's watch workload (bench/watch.ts) against one member of ours:
// every labelled phase records its rows under its own name, an unlabelled
// phase (the warm-up) records nothing, and each watcher hears every write.
// Small phases: this checks the harness, not the speed.

import assert from "node:assert/strict";
import { startServer } from "../helpers/server.ts";
import type { Member } from "../../bench/lib/members.ts";
import { watchWorkload } from "../../bench/watch.ts";

Deno.test("bench watch plan: labelled phases are recorded, the warm-up is not", async () => {
  const server = await startServer();
  try {
    // watchWorkload reads only the member's system and client URL.
    const member = { system: "ours", clientUrl: server.clientUrl } as Member;
    const rows: { name: string; unit: string; value: number; errors: number }[] = [];
    const logged: string[] = [];
    const etcdIndex = async () => {
      const r = await fetch(`${server.clientUrl}/v2/keys/`);
      await r.body?.cancel();
      return Number(r.headers.get("x-etcd-index"));
    };
    const before = await etcdIndex();
    await watchWorkload(
      member,
      [
        { watchers: 1, writes: 5, label: ", first" },
        { watchers: 1, writes: 20 },
        { watchers: 1, writes: 5, label: " (later)" },
        { watchers: 3, writes: 2, label: "" },
      ],
      (name, unit, _higher, value, errors = 0) => rows.push({ name, unit, value, errors }),
      (s) => logged.push(s),
    );

    const names = [...new Set(rows.map((r) => r.name))];
    assert.deepEqual(names, [
      "4. watch: PUT answer → event, 1 watcher, first",
      "4. watch: PUT sent → event, 1 watcher, first",
      "4. watch: the PUT itself (sent → answer), 1 watcher, first",
      "4. watch: PUT answer → event, 1 watcher (later)",
      "4. watch: PUT sent → event, 1 watcher (later)",
      "4. watch: the PUT itself (sent → answer), 1 watcher (later)",
      "4. watch: PUT answer → event, 3 watchers",
      "4. watch: PUT sent → event, 3 watchers",
      "4. watch: the PUT itself (sent → answer), 3 watchers",
    ]);
    assert.equal(rows.length, 15, "p50 and p99 of two latencies and the PUT's p50, per labelled phase");
    for (const r of rows) {
      assert.equal(r.errors, 0, `${r.name}: every watcher heard its write`);
      assert.ok(Number.isFinite(r.value), `${r.name} ${r.unit}: ${r.value}`);
    }
    // A watcher hears no later than 30 s (the long poll's bound) after the write was sent.
    for (const r of rows.filter((r) => r.name.includes("sent → event"))) assert.ok(r.value > 0 && r.value < 30_000);
    assert.ok(logged.some((s) => s.includes("20 writes (warm-up)")), logged.join("\n"));
    // Every phase wrote to the one key: 5 + 20 + 5 + 2 measured writes, each after one unmeasured one.
    const got = await (await fetch(`${server.clientUrl}/v2/keys/bench/watch`)).json();
    assert.equal(got.node.value, "w1");
    assert.equal(await etcdIndex() - before, 5 + 20 + 5 + 2 + 4);
  } finally {
    await server.stop();
  }
});
