// Keys expire only by the leader's hand (etcd 0.2's README): a leader cut off
// from the rest expires nothing; once a quorum is back, the key expires.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agreedLeader, json, newCluster, stopAll } from "../helpers/cluster.ts";
import { waitFor } from "../helpers/ports.ts";

Deno.test({
  name: "a leader cut off from its followers expires nothing; expiry resumes with a quorum",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cwd = mkdtempSync(join(tmpdir(), "ttlcut-"));
    const ms = newCluster(cwd, "127.0.11", "t", ["--heartbeat-interval", "50", "--election-timeout", "500"]);
    for (const m of ms) m.start();
    try {
      await Promise.all(ms.map((m) => m.healthy()));
      const id = await agreedLeader(ms);
      const names = (await json(`${ms[0].clientUrl}/v2/members`)).body.members as { id: string; name: string }[];
      const leader = ms.find((m) => m.name === names.find((n) => n.id === id)!.name)!;
      const followers = ms.filter((m) => m !== leader);
      const set = await json(`${leader.clientUrl}/v2/keys/lease`, { method: "PUT", body: new URLSearchParams({ value: "v", ttl: "2" }) });
      assert.equal(set.status, 201);
      for (const f of followers) f.signal("SIGSTOP");
      await new Promise((r) => setTimeout(r, 3500));
      const cut = await json(`${leader.clientUrl}/v2/keys/lease`);
      assert.equal(cut.status, 200, "the cut-off member expired nothing");
      assert.equal(cut.body.node.value, "v");
      const stats = await json(`${leader.clientUrl}/v2/stats/self`);
      assert.notEqual(stats.body.state, "StateLeader", "without a quorum it stepped down");
      for (const f of followers) f.signal("SIGCONT");
      await agreedLeader(ms);
      await waitFor(async () => (await json(`${leader.clientUrl}/v2/keys/lease`)).status === 404, { timeoutMs: 10_000, what: "the key to expire once a quorum is back" });
    } finally {
      for (const m of ms) if (m.running) m.signal("SIGCONT");
      await stopAll(ms);
      rmSync(cwd, { recursive: true, force: true });
    }
  },
});
