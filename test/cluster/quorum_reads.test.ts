// Linearizable reads share read-index rounds: many concurrent quorum=true
// GETs on a follower each see the latest acknowledged write, and cost a few
// rounds through the leader, not one each.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agreedLeader, json, newCluster, stopAll } from "../helpers/cluster.ts";

function counter(page: string, name: string): number {
  const line = page.split("\n").find((l) => l.startsWith(name + " "));
  return line ? Number(line.split(" ")[1]) : NaN;
}

Deno.test({
  name: "concurrent quorum reads on a follower: each sees the last write, rounds are shared",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cwd = mkdtempSync(join(tmpdir(), "qreads-"));
    const ms = newCluster(cwd, "127.0.17", "q");
    for (const m of ms) m.start();
    try {
      await Promise.all(ms.map((m) => m.healthy()));
      const id = await agreedLeader(ms);
      const names = (await json(`${ms[0].clientUrl}/v2/members`)).body.members as { id: string; name: string }[];
      const leader = ms.find((m) => m.name === names.find((n) => n.id === id)!.name)!;
      const follower = ms.find((m) => m !== leader)!;
      const metricsBefore = await (await fetch(`${follower.clientUrl}/metrics`)).text();
      for (let round = 1; round <= 3; round++) {
        const put = await json(`${leader.clientUrl}/v2/keys/q`, { method: "PUT", body: new URLSearchParams({ value: `v${round}` }) });
        assert.equal(put.status, round === 1 ? 201 : 200);
        const reads = await Promise.all(Array.from({ length: 64 }, () => json(`${follower.clientUrl}/v2/keys/q?quorum=true`)));
        for (const r of reads) {
          assert.equal(r.status, 200);
          assert.equal(r.body.node.value, `v${round}`, "a quorum read saw the last acknowledged write");
        }
      }
      const metricsAfter = await (await fetch(`${follower.clientUrl}/metrics`)).text();
      const reads = counter(metricsAfter, "etcd_server_linearizable_reads_total") - (counter(metricsBefore, "etcd_server_linearizable_reads_total") || 0);
      const rounds = counter(metricsAfter, "etcd_server_read_index_rounds_total") - (counter(metricsBefore, "etcd_server_read_index_rounds_total") || 0);
      assert.equal(reads, 192);
      assert.ok(rounds >= 3 && rounds <= 96, `192 reads took ${rounds} read-index rounds`);
      console.log(`192 concurrent quorum reads in ${rounds} read-index rounds`);
    } finally {
      await stopAll(ms);
      rmSync(cwd, { recursive: true, force: true });
    }
  },
});
