// No acknowledged write is lost: SIGKILL a member in the middle of a write
// load, restart it, and find every acknowledged write; the same across
// snapshots and log compaction.

import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { call, etcdIndex } from "../helpers/http.ts";
import { runtimesUnderTest, startServer } from "../helpers/server.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String);
}

for (const runtime of runtimesUnderTest()) {
  Deno.test({
    name: `kill -9 during a write load loses no acknowledged write (${runtime})`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const srv = await startServer({ runtime });
      try {
        const acked = new Map<string, string>();
        let stop = false;
        const writer = async (w: number) => {
          for (let n = 0; !stop; n++) {
            const key = `/dur/w${w}/k${n % 50}`;
            const value = `${w}-${n}`;
            try {
              const r = await call("PUT", `${srv.clientUrl}/v2/keys${key}`, { value }, { timeoutMs: 3000 });
              if (r.status === 200 || r.status === 201) acked.set(key, value);
            } catch {
              return; // the server died under us: this write was never acknowledged
            }
          }
        };
        const writers = Array.from({ length: 16 }, (_, w) => writer(w));
        await sleep(1500);
        await srv.kill();
        stop = true;
        await Promise.all(writers);
        assert.ok(acked.size > 50, `only ${acked.size} writes acknowledged before the kill`);
        await srv.restart();
        for (const [key, value] of acked) {
          const r = await call("GET", `${srv.clientUrl}/v2/keys${key}`);
          assert.equal(r.status, 200, `${key} lost after kill -9`);
          // A later write to the same key may have been made durable but not
          // acknowledged; it can only be a newer value from the same writer.
          const [w, n] = value.split("-").map(Number);
          const [gw, gn] = String(r.json.node.value).split("-").map(Number);
          assert.equal(gw, w);
          assert.ok(gn >= n, `${key}: found ${r.json.node.value}, acknowledged ${value}`);
        }
        const after = await call("PUT", `${srv.clientUrl}/v2/keys/dur/after`, { value: "x" });
        assert.equal(after.status, 201, "the member takes writes after recovery");
      } finally {
        await srv.stop();
      }
    },
  });

  Deno.test({
    name: `snapshots bound the log and restore everything after kill -9 (${runtime})`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const srv = await startServer({ runtime, args: ["--snapshot-count", "100"] });
      try {
        for (let i = 0; i < 10; i++) {
          await Promise.all(Array.from({ length: 50 }, (_, j) =>
            call("PUT", `${srv.clientUrl}/v2/keys/snap/d${j % 5}/k${i * 50 + j}`, { value: `v${i * 50 + j}`, ...(j === 0 ? { ttl: "600" } : {}) })));
        }
        const before = await call("GET", `${srv.clientUrl}/v2/keys/snap?recursive=true&sorted=true`);
        const index = etcdIndex(before);
        await sleep(300); // let the last snapshot finish writing
        const snaps = filesUnder(srv.dataDir).filter((f) => f.endsWith(".snap"));
        assert.ok(snaps.length >= 1, `no snapshot files in ${srv.dataDir}: ${filesUnder(srv.dataDir).join(", ")}`);
        await srv.kill();
        await srv.restart();
        const after = await call("GET", `${srv.clientUrl}/v2/keys/snap?recursive=true&sorted=true`);
        // TTLs count down; compare everything else.
        const strip = (j: unknown) => JSON.parse(JSON.stringify(j, (k, v) => (k === "ttl" ? undefined : v)));
        assert.deepEqual(strip(after.json), strip(before.json));
        assert.equal(etcdIndex(after), index);
        // History survives the snapshot: a recent waitIndex still answers.
        const w = await call("GET", `${srv.clientUrl}/v2/keys/snap?wait=true&recursive=true&waitIndex=${index - 5}`);
        assert.equal(w.status, 200);
        assert.equal(w.json.node.modifiedIndex, index - 5);
        const segs = filesUnder(join(srv.dataDir)).filter((f) => f.endsWith(".wal"));
        assert.ok(segs.length >= 1);
      } finally {
        await srv.stop();
      }
    },
  });
}
