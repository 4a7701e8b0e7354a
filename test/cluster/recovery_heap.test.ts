// Memory after a restart (server/runtime/recovery_heap.ts): rebuilding the
// store from a snapshot and the log must not leave the young generation grown
// to its largest. Read from the member's own /metrics right after it has
// caught up, on each runtime. (On Node the young generation is held small
// while recovering; on Deno, whose V8 ignores that switch at run time, the
// collection after the catch-up shrinks it. The collection itself is tested
// in test/runtime/recovery_heap.test.ts.)

import assert from "node:assert/strict";
import { call } from "../helpers/http.ts";
import { runtimesUnderTest, startServer } from "../helpers/server.ts";

const KEYS = 20_000;
const MiB = 1024 * 1024;

/** Every sample of a labelled gauge, by its `space` label. */
function bySpace(metrics: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of metrics.matchAll(new RegExp(`^${name}\\{space="([a-z_]+)"\\} (\\d+)$`, "gm"))) out.set(m[1], Number(m[2]));
  return out;
}

async function writeKeys(url: string): Promise<void> {
  const value = "v".repeat(64);
  for (let i = 0; i < KEYS; i += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, j) => call("PUT", `${url}/v2/keys/heap/d${(i + j) % 100}/k${i + j}`, { value })))
      .then((rs) => rs.forEach((r) => assert.ok(r.status < 300, r.text)));
  }
}

for (const runtime of runtimesUnderTest()) {
  Deno.test({
    name: `a member restarted with ${KEYS} keys on ${runtime} keeps a small young generation`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const s = await startServer({ runtime, args: ["--snapshot-count", "5000"] });
      try {
        await writeKeys(s.clientUrl);
        await s.kill();
        await s.restart();
        const last = await call("GET", `${s.clientUrl}/v2/keys/heap/d99/k${KEYS - 1}`);
        assert.equal(last.status, 200, last.text);
        // The rebuild's garbage is collected shortly after the member serves (member.ts), and logged.
        const deadline = Date.now() + 10_000;
        while (!/state rebuilt from disk; its garbage collected/.test(s.output()) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.match(s.output(), /state rebuilt from disk; its garbage collected in \d+ ms/);
        const text = (await call("GET", `${s.clientUrl}/metrics`)).text;
        assert.match(text, /^process_resident_memory_bytes \d+$/m);
        const total = bySpace(text, "nodejs_heap_space_size_total_bytes");
        const used = bySpace(text, "nodejs_heap_space_size_used_bytes");
        assert.ok(total.has("new") && total.has("old") && used.has("old"), text.slice(0, 2000));
        const show = `new ${(total.get("new")! / MiB).toFixed(1)} MiB, old ${(used.get("old")! / MiB).toFixed(1)} of ${(total.get("old")! / MiB).toFixed(1)} MiB`;
        // Grown, the young generation is 2 × 8–16 MiB; held, 2 × 1–2 MiB.
        assert.ok(total.get("new")! <= 8 * MiB, `young generation grew: ${show}`);
      } finally {
        await s.stop();
      }
    },
  });
}
