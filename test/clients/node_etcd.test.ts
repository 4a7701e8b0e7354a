// node-etcd (npm) against a three-member cluster of ours — through the
// leader and through followers — shows what it shows against etcd 3.4, and
// its etcd 0.2 calls (machines, leader) work on ours.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agreedLeader, newCluster, stopAll } from "../helpers/cluster.ts";
import { startRealEtcd } from "../helpers/etcd_real.ts";

const script = new URL("./node_etcd_scenario.cjs", import.meta.url).pathname;

function scenario(url: string, prefix: string, extra = ""): Record<string, unknown>[] {
  const out = execFileSync("node", [script, url, prefix, extra], { encoding: "utf8", timeout: 60_000 });
  return out.trim().split("\n").map((l) => JSON.parse(l));
}

Deno.test({
  name: "node-etcd sees the same results from our cluster (leader and followers) as from etcd 3.4",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cwd = mkdtempSync(join(tmpdir(), "nodeetcd-"));
    const ms = newCluster(cwd, "127.0.16", "n");
    for (const m of ms) m.start();
    const etcd = await startRealEtcd();
    try {
      await Promise.all(ms.map((m) => m.healthy()));
      await agreedLeader(ms);
      const want = scenario(etcd.clientUrl, "/ne");
      for (const m of ms) {
        const got = scenario(m.clientUrl, "/ne", "0.2");
        const tail = got.splice(want.length);
        assert.deepEqual(got, want, `through ${m.name}`);
        assert.deepEqual(tail.map((r) => [r.step, r.key]), [["machines", "3"], ["leader", "true"]]);
        await fetch(`${m.clientUrl}/v2/keys/ne?recursive=true`, { method: "DELETE" }).then((r) => r.body?.cancel());
      }
    } finally {
      await etcd.stop();
      await stopAll(ms);
      rmSync(cwd, { recursive: true, force: true });
    }
  },
});
