// A leader killed with -9 is noticed by its followers at once: its process
// refuses their reconnects, so they forget it and elect a new leader without
// waiting out the election timeout (raft's leaderGone, transport probes).
// With a 3 s election timeout, waiting it out would take 3-6 s after the last
// heartbeat; the bound below is generous for a loaded machine and still
// under that (a quiet one takes 50-300 ms).

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agreedLeader, json, Member, newCluster, stopAll } from "../helpers/cluster.ts";
import { runtimesUnderTest } from "../helpers/server.ts";

const ELECTION_MS = 3000;

Deno.test({
  name: "kill -9 of the leader: the survivors elect a new one well before the election timeout",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cwd = mkdtempSync(join(tmpdir(), "leader-gone-"));
    const runtime = runtimesUnderTest().includes("node") ? "node" : "deno";
    const ms = newCluster(cwd, "127.0.19", "g", ["--heartbeat-interval", "100", "--election-timeout", String(ELECTION_MS)])
      .map((m) => new Member(m.name, m.args, m.clientUrl, m.cwd, runtime));
    try {
      for (const m of ms) m.start();
      await Promise.all(ms.map((m) => m.healthy(30_000)));
      const leaderId = await agreedLeader(ms, 40_000);
      const list = (await json(`${ms[0].clientUrl}/v2/members`)).body.members as { id: string; name: string }[];
      const leader = ms.find((m) => m.name === list.find((x) => x.id === leaderId)!.name)!;
      const survivors = ms.filter((m) => m !== leader);
      assert.equal((await json(`${survivors[0].clientUrl}/v2/keys/before`, { method: "PUT", body: new URLSearchParams({ value: "1" }) })).status, 201);

      const killedAt = performance.now();
      await leader.kill("SIGKILL");
      // Writes to the survivors, until one is committed by a new leader.
      let elapsed = Infinity;
      for (let n = 0; performance.now() - killedAt < ELECTION_MS; n++) {
        const r = await json(`${survivors[n % 2].clientUrl}/v2/keys/after`, {
          method: "PUT",
          body: new URLSearchParams({ value: String(n) }),
          signal: AbortSignal.timeout(1000),
        }).catch(() => null);
        if (r?.status === 200 || r?.status === 201) {
          elapsed = performance.now() - killedAt;
          break;
        }
        await new Promise((res) => setTimeout(res, 20));
      }
      assert.ok(elapsed < (ELECTION_MS * 2) / 3, `a write succeeded ${elapsed.toFixed(0)} ms after the kill (election timeout ${ELECTION_MS} ms)`);
      const newLeader = await agreedLeader(survivors, 10_000);
      assert.notEqual(newLeader, leaderId);
      assert.equal((await json(`${survivors[1].clientUrl}/v2/keys/before`)).body.node.value, "1", "nothing was lost");
    } finally {
      await stopAll(ms);
      rmSync(cwd, { recursive: true, force: true });
    }
  },
});
