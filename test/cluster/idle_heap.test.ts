// A member that goes quiet after a burst of writes collects the burst's
// garbage (server/runtime/idle_collector.ts) on each runtime: the collection
// is logged with the heap before and after, and the heap is smaller after.

import assert from "node:assert/strict";
import { call } from "../helpers/http.ts";
import { runtimesUnderTest, startServer } from "../helpers/server.ts";
import { CHECK_MS, QUIET_MS } from "../../server/runtime/idle_collector.ts";

const KEYS = 20_000;
const LINE = /quiet after a burst: garbage collected in \d+ ms \(heap (\d+) -> (\d+) MiB\)/;

for (const runtime of runtimesUnderTest()) {
  Deno.test({
    name: `a member on ${runtime} collects a write burst's garbage once it is quiet`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const s = await startServer({ runtime });
      try {
        const value = "v".repeat(1024);
        for (let i = 0; i < KEYS; i += 100) {
          const rs = await Promise.all(Array.from({ length: 100 }, (_, j) => call("PUT", `${s.clientUrl}/v2/keys/burst/k${(i + j) % 5000}`, { value })));
          for (const r of rs) assert.ok(r.status < 300, r.text);
        }
        assert.doesNotMatch(s.output(), LINE, "collected during the burst");
        const waitMs = QUIET_MS + 4 * CHECK_MS + 5000;
        const deadline = Date.now() + waitMs;
        while (!LINE.test(s.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        const m = LINE.exec(s.output());
        if (!m) {
          const heap = (await call("GET", `${s.clientUrl}/metrics`)).text.split("\n").filter((l) => /^nodejs_heap_space_size/.test(l));
          assert.fail(`no collection logged within ${waitMs} ms; heap now:\n${heap.join("\n")}\n${s.output().slice(-2000)}`);
        }
        assert.ok(Number(m[2]) < Number(m[1]), m[0]);
        // The member still answers, with what was written last.
        const r = await call("GET", `${s.clientUrl}/v2/keys/burst/k${(KEYS - 1) % 5000}`);
        assert.equal(r.status, 200, r.text);
      } finally {
        await s.stop();
      }
    },
  });
}
