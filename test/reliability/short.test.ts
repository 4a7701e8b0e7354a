// A short reliability run: 8 clients on a 3-member cluster of our executable
// under kill -9, SIGSTOP and peer-link faults for a few seconds, and the
// recorded history is linearizable. The long mode is tools/reliability/run.ts.

import assert from "node:assert/strict";
import { formatReport, runOnce } from "../../tools/reliability/run.ts";

Deno.test({
  name: "reliability (short): a history recorded under faults is linearizable",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const r = await runOnce({
      seed: 1,
      durationMs: 8000,
      // Under a loaded test run faults take longer; keep going until there were a few.
      minFaults: 3,
      maxDurationMs: 40_000,
      clients: 8,
      faults: ["kill-leader", "kill-random", "stop-leader", "partition-leader", "one-way", "slow-links"],
      proxy: true,
      ipBase: "127.0.44",
      gapMs: [300, 800],
      holdMs: [500, 2000],
    });
    const report = formatReport(r);
    assert.equal(r.anomalies, 0, report);
    assert.equal(r.gaveUp, 0, report);
    const okOps = Object.entries(r.ops).filter(([k]) => k.endsWith(" ok")).reduce((n, [, v]) => n + v, 0);
    assert.ok(okOps > 100, `too few completed ops:\n${report}`);
    const faults = Object.values(r.faults).reduce((n, v) => n + v, 0);
    assert.ok(faults >= 3, `too few faults:\n${report}`);
  },
});
