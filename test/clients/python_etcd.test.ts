// python-etcd (Debian's python3-etcd, run by /usr/bin/python3) against a
// three-member cluster of ours — through the leader and through followers —
// shows exactly what it shows against real etcd 3.4.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agreedLeader, newCluster, stopAll } from "../helpers/cluster.ts";
import { startRealEtcd } from "../helpers/etcd_real.ts";

const PYTHON = "/usr/bin/python3";
const script = new URL("./python_etcd_scenario.py", import.meta.url).pathname;

function scenario(url: string, prefix: string): Record<string, unknown>[] {
  const u = new URL(url);
  const out = execFileSync(PYTHON, [script, u.hostname, u.port, prefix], { encoding: "utf8", timeout: 60_000 });
  return out.trim().split("\n").map((l) => JSON.parse(l));
}

Deno.test({
  name: "python-etcd sees the same results from our cluster (leader and followers) as from etcd 3.4",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const probe = execFileSync(PYTHON, ["-c", "import etcd"], { encoding: "utf8" });
    assert.equal(probe, "", "python3-etcd is installed (apt-get install python3-etcd)");
    assert.ok(existsSync(PYTHON));
    const cwd = mkdtempSync(join(tmpdir(), "pyetcd-"));
    const ms = newCluster(cwd, "127.0.15", "p");
    for (const m of ms) m.start();
    const etcd = await startRealEtcd();
    try {
      await Promise.all(ms.map((m) => m.healthy()));
      await agreedLeader(ms);
      const want = scenario(etcd.clientUrl, "/py");
      const isClusterFact = (r: Record<string, unknown>) => ["machines", "members", "leader"].includes(r.step as string);
      for (const m of ms) {
        const got = scenario(m.clientUrl, "/py");
        assert.deepEqual(got.filter((r) => !isClusterFact(r)), want.filter((r) => !isClusterFact(r)), `through ${m.name}`);
        assert.deepEqual(got.filter(isClusterFact), [
          { step: "machines", count: 3 },
          { step: "members", count: 3 },
          { step: "leader", has: true },
        ]);
        // Each run starts from a clean prefix.
        await fetch(`${m.clientUrl}/v2/keys/py?recursive=true`, { method: "DELETE" }).then((r) => r.body?.cancel());
      }
    } finally {
      await etcd.stop();
      await stopAll(ms);
      rmSync(cwd, { recursive: true, force: true });
    }
  },
});
