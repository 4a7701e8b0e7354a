// Differential test: our `etcd ctl` against Debian's etcdctl (ETCDCTL_API=2),
// with the same arguments, on our server. Writes run in lockstep on two
// identical fresh servers (etcdctl on one, ours on the other) so both see
// the same history; read-only commands then run on one and the same server.
// stdout, stderr and exit codes must be equal, up to addresses, IDs and times.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { cleanup, runtimesUnderTest, type ServerHandle, startServer } from "../helpers/server.ts";
import { describeMismatches, expand, type Mismatch, normalizeRun, sameRun, type Target } from "./compare.ts";
import { clusterIds, deadEndpoint, ETCDCTL_BIN, ETCDCTL_MISSING, runEtcdctl, runOurs, waitPublished } from "./helpers.ts";
import { SCENARIO, splitWords, type Step } from "./scenario.ts";

async function target(srv: ServerHandle): Promise<Target> {
  await waitPublished(srv.clientUrl);
  const ids = await clusterIds(srv.clientUrl);
  return { clientUrl: srv.clientUrl, peerUrl: srv.peerUrl, ...ids, name: "test" };
}

/** Read-only command lines, run by both clients against the same server. */
const SAME_SERVER: Step[] = [
  "get fromstdin",
  "get nope",
  "-o extended get j",
  "-o json get 'ünï/cødé'",
  "get q",
  "ls -r --sort -p",
  "ls --sort -p /",
  "-o json ls -r --sort",
  "-o extended ls --sort q",
  "watch --after-index 1 -r /",
  "-o json watch --after-index 3 -r /",
  "member list",
  "cluster-health",
  "--debug get fromstdin",
  "--no-sync get fromstdin",
  "get --help",
  "member remove abc",
].map((line) => ({ args: splitWords(line) }));

Deno.test({
  name: "etcd ctl matches Debian's etcdctl (API 2) on every command and error case",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    if (!existsSync(ETCDCTL_BIN)) throw new Error(ETCDCTL_MISSING);
    const runtime = runtimesUnderTest()[0];
    const [a, b] = await Promise.all([startServer({ runtime }), startServer({ runtime })]);
    try {
      const [ta, tb] = await Promise.all([target(a), target(b)]);
      const dead = await deadEndpoint();
      const mismatches: Mismatch[] = [];
      const transcript: Mismatch[] = [];
      const check = async (step: Step, left: Target, right: Target) => {
        const theirs = await runEtcdctl(expand(step, left, dead), { stdin: step.stdin });
        const ours = await runOurs(expand(step, right, dead), { stdin: step.stdin });
        const l = normalizeRun(theirs, left, step);
        const r = normalizeRun(ours, right, step);
        if (!sameRun(l, r)) mismatches.push({ step: step.args.join(" "), left: l, right: r });
        transcript.push({ step: step.args.join(" "), left: l, right: r });
      };
      const lockstep = SCENARIO.filter((s) => !s.breaksQuorum);
      for (const step of lockstep) await check(step, ta, tb);
      for (const step of SAME_SERVER) await check(step, ta, ta);
      // Last: adding a member that never starts leaves the cluster without quorum.
      for (const step of SCENARIO.filter((s) => s.breaksQuorum)) await check(step, ta, tb);
      const out = Deno.env.get("CTL_DIFF_TRANSCRIPT");
      if (out) Deno.writeTextFileSync(out, describeMismatches(transcript, "etcdctl", "etcd ctl"));
      assert.equal(mismatches.length, 0, `${mismatches.length} of ${SCENARIO.length + SAME_SERVER.length} steps differ:\n\n${describeMismatches(mismatches, "etcdctl", "etcd ctl")}`);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      cleanup(a.dataDir);
      cleanup(b.dataDir);
    }
  },
});
