// kill -9 of the Raft leader while one client holds a lock and others wait
// for it, some of them connected to the leader that dies: afterwards every
// surviving member names the same single holder, the holder can still renew
// and release, and every waiter whose member survived gets the lock, in the
// order they queued, one at a time. The dead member's waiters only delay
// the queue until their leases run out.

import assert from "node:assert/strict";
import { call, type Reply } from "../helpers/http.ts";
import {
  acquire,
  type Cluster,
  queueOf,
  release,
  settled,
  sleep,
  startThree,
  until,
} from "./cluster.ts";

Deno.test({
  name:
    "kill -9 the raft leader while clients hold and wait for a lock: one holder, no waiter lost",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const c: Cluster = await startThree("127.0.10", 2379);
    try {
      const leader = await c.leader();
      const followers = c.members.filter((m) => m !== leader).map((m) =>
        m.clientUrl
      );
      const holder = await acquire(followers[0], "ha", {
        ttl: "5",
        value: "holder",
      });
      assert.equal(holder.status, 200);

      // Eight waiters in a known order: six on the followers, two on the leader.
      type Waiter = {
        name: string;
        onLeader: boolean;
        reply: Promise<Reply | Error>;
      };
      const waiters: Waiter[] = [];
      const acquired: string[] = [];
      let inside = 1; // the holder
      let most = 1;
      for (let w = 0; w < 8; w++) {
        const onLeader = w === 1 || w === 4;
        const name = onLeader ? `orphan${w}` : `w${w}`;
        const base = onLeader ? leader.clientUrl : followers[w % 2];
        const reply = acquire(base, "ha", {
          ttl: onLeader ? "2" : "3",
          value: name,
        }).then(async (r) => {
          if (r.status !== 200) return r;
          most = Math.max(most, ++inside);
          acquired.push(name);
          await sleep(20);
          inside--;
          const rel = await release(
            followers[acquired.length % 2],
            "ha",
            r.text,
          );
          assert.equal(rel.status, 200, `${name} release: ${rel.text}`);
          return r;
        }, (err) => err as Error);
        waiters.push({ name, onLeader, reply });
        await until(
          `${name} queued`,
          5000,
          async () => (await queueOf(followers[0], "lock/ha")).length === w + 2,
        );
      }

      await leader.kill("SIGKILL");
      await c.leader();

      // One holder, the same on both survivors; nobody else was let in.
      for (const f of followers) {
        const r = await call("GET", `${f}/mod/v2/lock/ha?field=index`);
        assert.equal(r.text, holder.text, `${f} names holder ${r.text}`);
      }
      for (const w of waiters) {
        if (!w.onLeader) {
          assert.equal(
            await settled(w.reply),
            false,
            `${w.name} got the lock while it was held`,
          );
        }
      }
      // The holder's lease is renewed on the new leader, then released.
      assert.equal(
        (await call("PUT", `${followers[1]}/mod/v2/lock/ha?ttl=5`, {
          index: holder.text,
        })).status,
        200,
      );
      inside--;
      assert.equal(
        (await release(followers[1], "ha", holder.text)).status,
        200,
      );

      const survivors = waiters.filter((w) => !w.onLeader);
      const replies = await Promise.all(survivors.map((w) => w.reply));
      for (const [i, r] of replies.entries()) {
        assert.ok(
          !(r instanceof Error) && r.status === 200,
          `${survivors[i].name} lost: ${
            r instanceof Error ? r.message : r.text
          }`,
        );
      }
      for (const w of waiters.filter((w) => w.onLeader)) {
        const r = await w.reply;
        assert.ok(
          r instanceof Error,
          `${w.name}, connected to the killed member, got ${
            r instanceof Error ? "" : r.status
          }`,
        );
      }
      assert.deepEqual(
        acquired,
        survivors.map((w) => w.name),
        "waiters were served out of order",
      );
      assert.equal(most, 1, `${most} clients held the lock at once`);
      await until(
        "the queue to empty",
        5000,
        async () => (await queueOf(followers[0], "lock/ha")).length === 0,
      );
    } finally {
      await c.close();
    }
  },
});
