// A short seeded fuzz run in the test suite: a few seconds of mutated client
// requests to one member (each runtime), and of random raft batches to a
// follower of a 3-member cluster, with the invariants checked every 50
// requests. The long mode is tools/reliability/fuzz.ts; a failure prints the
// seed to replay.

import assert from "node:assert/strict";
import { formatFuzzReport, fuzz, type FuzzOptions } from "../../tools/reliability/fuzz.ts";
import { runtimesUnderTest } from "../helpers/server.ts";

const SEED = 20261122;

const runs: FuzzOptions[] = [
  ...runtimesUnderTest().map((runtime): FuzzOptions => ({ seed: SEED, durationMs: 2500, target: "client", runtime, ipBase: "127.0.64" })),
  { seed: SEED, durationMs: 3000, target: "peer", runtime: runtimesUnderTest()[0], ipBase: "127.0.63" },
];

for (const opts of runs) {
  Deno.test({
    name: `fuzz (short, seed ${opts.seed}): hostile ${opts.target} requests on ${opts.runtime} break no invariant`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const r = await fuzz(opts);
      const report = formatFuzzReport(r);
      console.log(report.split("\n")[0]);
      assert.equal(r.failure, undefined, report);
      assert.ok(r.requests >= 50 && r.checks >= 2, `too little was sent:\n${report}`);
    },
  });
}
