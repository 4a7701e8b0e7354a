// The leader election module on three members: several candidates, one
// leader at a time that every member names; a leader that stops renewing
// is replaced within its TTL; one that steps down is replaced at once;
// candidates sharing a name are elected together; a leader keeps its place
// across a kill -9 of the Raft leader by renewing through a survivor.

import assert from "node:assert/strict";
import { call, type Reply } from "../helpers/http.ts";
import { type Cluster, settled, sleep, startThree } from "./cluster.ts";

const TTL = 2;

/** A candidate: asks to lead, then (once elected) renews every 500 ms until told to stop. */
class Candidate {
  elected: Promise<Reply>;
  electedAt = 0;
  lastRenewal = 0;
  private renewing = false;

  constructor(
    readonly name: string,
    private readonly base: () => string,
    ttl = TTL,
  ) {
    this.elected = call("POST", `${base()}/mod/v2/leader/svc?ttl=${ttl}`, {
      name,
    }, { timeoutMs: 30_000 }).then((r) => {
      this.electedAt = this.lastRenewal = Date.now();
      return r;
    });
  }

  async renewWhileLeading(ttl = TTL): Promise<void> {
    this.renewing = true;
    while (this.renewing) {
      await sleep(500);
      if (!this.renewing) break;
      const r = await call(
        "POST",
        `${this.base()}/mod/v2/leader/svc?ttl=${ttl}`,
        { name: this.name },
      );
      assert.equal(r.status, 200, `${this.name} renewal: ${r.text}`);
      this.lastRenewal = Date.now();
    }
  }

  /** Stops renewing, as a crashed leader would. */
  stop(): void {
    this.renewing = false;
  }
}

/** Every running member's answer to GET /mod/v2/leader/svc. */
async function leaderAsSeen(c: Cluster): Promise<string[]> {
  const up = c.members.filter((m) => m.running);
  return await Promise.all(
    up.map(async (m) =>
      (await call("GET", `${m.clientUrl}/mod/v2/leader/svc`)).text
    ),
  );
}

Deno.test({
  name:
    "leader election on three members: candidates, expiry within the TTL, step-down, shared names, raft failover",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const c = await startThree("127.0.9", 3379);
    try {
      const raftLeader = await c.leader();
      const followers = c.members.filter((m) => m !== raftLeader).map((m) =>
        m.clientUrl
      );
      const onFollower = () => followers[Math.floor(Math.random() * 2)];
      const a = new Candidate("a.example", () => c.any());
      assert.equal((await a.elected).status, 200);
      const b = new Candidate("b.example", () => c.any());
      await sleep(100);
      const cc = new Candidate("c.example", onFollower, 3);
      await sleep(100);
      const d1 = new Candidate("d.example", onFollower);
      const d2 = new Candidate("d.example", onFollower);
      await sleep(100);
      const renewA = a.renewWhileLeading();

      await t.step(
        "one leader, named by every member, while it renews past its TTL",
        async () => {
          const t0 = Date.now();
          while (Date.now() - t0 < (TTL + 1) * 1000) {
            assert.deepEqual(await leaderAsSeen(c), [
              "a.example",
              "a.example",
              "a.example",
            ]);
            for (const x of [b, cc, d1, d2]) {
              assert.equal(
                await settled(x.elected),
                false,
                `${x.name} elected beside a`,
              );
            }
            await sleep(200);
          }
        },
      );

      await t.step(
        "a leader that stops renewing is replaced within its TTL",
        async () => {
          a.stop();
          await renewA;
          const r = await b.elected;
          assert.equal(r.status, 200);
          const gap = b.electedAt - a.lastRenewal;
          assert.ok(
            gap < TTL * 1000 + 1500,
            `b elected ${gap} ms after a's last renewal (TTL ${TTL}s)`,
          );
          assert.ok(
            gap > TTL * 1000 - 1000,
            `b elected only ${gap} ms after a's last renewal: a's lease was cut short`,
          );
          assert.deepEqual(await leaderAsSeen(c), [
            "b.example",
            "b.example",
            "b.example",
          ]);
        },
      );

      await t.step("a leader that steps down is replaced at once", async () => {
        const renewB = b.renewWhileLeading();
        await sleep(300);
        b.stop();
        await renewB;
        const t0 = Date.now();
        assert.equal(
          (await call("DELETE", `${c.any()}/mod/v2/leader/svc?name=b.example`))
            .status,
          200,
        );
        assert.equal((await cc.elected).status, 200);
        assert.ok(
          Date.now() - t0 < 1500,
          `c took ${Date.now() - t0} ms to follow a step-down`,
        );
      });

      await t.step(
        "the leader keeps its place across a kill -9 of the raft leader",
        async () => {
          const renewC = cc.renewWhileLeading(3);
          await raftLeader.kill("SIGKILL");
          await c.leader();
          const t0 = Date.now();
          while (Date.now() - t0 < 3500) {
            const seen = await leaderAsSeen(c);
            assert.deepEqual(seen, ["c.example", "c.example"]);
            assert.equal(
              await settled(d1.elected),
              false,
              "d elected while c renewed",
            );
            await sleep(250);
          }
          cc.stop();
          await renewC;
        },
      );

      await t.step(
        "candidates sharing a name are elected together",
        async () => {
          const [r1, r2] = await Promise.all([d1.elected, d2.elected]);
          assert.equal(r1.status, 200);
          assert.equal(r2.text, r1.text);
          assert.ok(
            d1.electedAt - cc.lastRenewal < 3000 + 1500,
            "d took longer than c's TTL to take over",
          );
          assert.deepEqual(await leaderAsSeen(c), ["d.example", "d.example"]);
          assert.equal(
            (await call(
              "DELETE",
              `${c.any()}/mod/v2/leader/svc?name=d.example`,
            )).status,
            200,
          );
          assert.deepEqual(await leaderAsSeen(c), ["", ""]);
        },
      );
    } finally {
      await c.close();
    }
  },
});
