// Differential test: our `etcd ctl` run against real etcd 3.4 and against
// our server, in lockstep, with the same command sequence. Indexes are
// compared relative to each server's index at the start; addresses, names,
// IDs and times are replaced by tokens. What differs here is a difference
// between the servers as etcdctl users see it.

import assert from "node:assert/strict";
import { ETCD_MISSING, etcdAvailable, startRealEtcd } from "../helpers/etcd_real.ts";
import { cleanup, runtimesUnderTest, startServer } from "../helpers/server.ts";
import { describeMismatches, expand, type Mismatch, normalizeRun, sameRun, type Target } from "./compare.ts";
import { clusterIds, deadEndpoint, runOurs, waitPublished } from "./helpers.ts";
import { SCENARIO, type Step } from "./scenario.ts";

async function target(clientUrl: string): Promise<Target> {
  await waitPublished(clientUrl);
  const ids = await clusterIds(clientUrl);
  const members = await (await fetch(`${clientUrl}/v2/members`, { signal: AbortSignal.timeout(5000) })).json();
  const self = members.members.find((m: { id: string }) => m.id === ids.memberId);
  const head = await fetch(`${clientUrl}/v2/keys/`, { method: "HEAD", signal: AbortSignal.timeout(5000) });
  await head.body?.cancel();
  return { clientUrl, peerUrl: self.peerURLs[0], name: self.name, ...ids, base: Number(head.headers.get("x-etcd-index")) };
}

/**
 * Steps whose answers differ because etcd 3.4 and our server differ on
 * purpose or for a reason outside the client, each with the reason.
 */
const SERVER_DIFFERENCES: Record<string, string> = {
  // None left: /health now answers false without a quorum, as etcd 3.4 does.
};

Deno.test({
  name: "etcd ctl gives the same output against real etcd 3.4 and against our server",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    if (!etcdAvailable()) throw new Error(ETCD_MISSING);
    const [real, ours] = await Promise.all([startRealEtcd(), startServer({ runtime: runtimesUnderTest()[0] })]);
    try {
      const [tr, to] = await Promise.all([target(real.clientUrl), target(ours.clientUrl)]);
      const dead = await deadEndpoint();
      const mismatches: Mismatch[] = [];
      const transcript: Mismatch[] = [];
      const check = async (step: Step) => {
        const l = normalizeRun(await runOurs(expand(step, tr, dead), { stdin: step.stdin }), tr, step);
        const r = normalizeRun(await runOurs(expand(step, to, dead), { stdin: step.stdin }), to, step);
        const entry = { step: step.args.join(" "), left: l, right: r };
        transcript.push(entry);
        const excused = step.breaksQuorum && entry.step in SERVER_DIFFERENCES;
        if (!sameRun(l, r) && !excused) mismatches.push(entry);
      };
      for (const step of SCENARIO) await check(step);
      const out = Deno.env.get("CTL_DIFF_TRANSCRIPT");
      if (out) Deno.writeTextFileSync(out, describeMismatches(transcript, "etcd 3.4", "ours"));
      assert.equal(mismatches.length, 0, `${mismatches.length} of ${SCENARIO.length} steps differ:\n\n${describeMismatches(mismatches, "etcd 3.4", "ours")}`);
    } finally {
      await Promise.all([real.stop(), ours.stop()]);
      cleanup(ours.dataDir);
    }
  },
});
