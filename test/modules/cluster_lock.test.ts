// The lock module on a three-member cluster, every request sent to a
// random member: twenty clients contending never hold the lock at once
// (checked in-process and with a compare-and-swap counter), waiters are
// served in the order they queued, a lease that runs out hands the lock on,
// and renewals keep it.

import assert from "node:assert/strict";
import { call } from "../helpers/http.ts";
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
  name: "lock on three members: mutual exclusion, FIFO, expiry, renewals",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const c: Cluster = await startThree("127.0.9", 2379);
    try {
      await t.step(
        "20 clients, 3 rounds each: one holder at a time, no lost increment",
        async () => {
          assert.equal(
            (await call("PUT", `${c.any()}/v2/keys/counter`, { value: "0" }))
              .status,
            201,
          );
          let inside = 0;
          let most = 0;
          const problems: string[] = [];
          const client = async (id: number) => {
            for (let round = 0; round < 3; round++) {
              const got = await acquire(c.any(), "counter", {
                ttl: "10",
                value: `c${id}`,
              });
              assert.equal(got.status, 200, `c${id}: ${got.text}`);
              most = Math.max(most, ++inside);
              // The lock as any member reports it is ours.
              const holder = await call(
                "GET",
                `${c.any()}/mod/v2/lock/counter?field=index`,
              );
              if (holder.text !== got.text) {
                problems.push(
                  `c${id} holds ${got.text} but a member says ${holder.text}`,
                );
              }
              const r = await call(
                "GET",
                `${c.any()}/v2/keys/counter?quorum=true`,
              );
              await sleep(Math.random() * 5);
              const w = await call(
                "PUT",
                `${c.any()}/v2/keys/counter?prevIndex=${r.json.node.modifiedIndex}`,
                {
                  value: String(Number(r.json.node.value) + 1),
                },
              );
              if (w.status !== 200) {
                problems.push(
                  `c${id}: someone changed the counter while c${id} held the lock: ${w.text}`,
                );
              }
              // Leave before releasing: the next holder is only told after the release is applied.
              inside--;
              const rel = await release(c.any(), "counter", got.text);
              assert.equal(rel.status, 200, `c${id} release: ${rel.text}`);
            }
          };
          await Promise.all(Array.from({ length: 20 }, (_, i) => client(i)));
          assert.deepEqual(problems, []);
          assert.equal(most, 1, `${most} clients held the lock at once`);
          const final = await call(
            "GET",
            `${c.any()}/v2/keys/counter?quorum=true`,
          );
          assert.equal(final.json.node.value, "60");
          assert.deepEqual(await queueOf(c.any(), "lock/counter"), []);
        },
      );

      await t.step(
        "waiters get the lock in the order they queued",
        async () => {
          const holder = await acquire(c.any(), "fifo", { ttl: "10" });
          const order: number[] = [];
          const waiters = [];
          for (let w = 0; w < 10; w++) {
            waiters.push(
              acquire(c.any(), "fifo", { ttl: "10", value: `w${w}` }).then(
                async (r) => {
                  assert.equal(r.status, 200, r.text);
                  order.push(w);
                  await sleep(Math.random() * 10);
                  assert.equal(
                    (await release(c.any(), "fifo", r.text)).status,
                    200,
                  );
                },
              ),
            );
            // The next one asks only once this one is in the queue.
            await until(
              `w${w} queued`,
              5000,
              async () =>
                (await queueOf(c.any(), "lock/fifo")).length === w + 2,
            );
          }
          assert.equal(order.length, 0);
          assert.equal(
            (await release(c.any(), "fifo", holder.text)).status,
            200,
          );
          await Promise.all(waiters);
          assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        },
      );

      await t.step(
        "a holder whose TTL runs out hands the lock to the waiter on another member",
        async () => {
          const [a, b] = [c.members[0].clientUrl, c.members[1].clientUrl];
          const t0 = Date.now();
          const held = await acquire(a, "expiry", {
            ttl: "1",
            value: "silent",
          });
          assert.equal(held.status, 200);
          const next = await acquire(b, "expiry", { ttl: "5", value: "next" });
          const waited = Date.now() - t0;
          assert.equal(next.status, 200);
          assert.ok(
            waited >= 900 && waited < 3500,
            `handed on after ${waited} ms`,
          );
          for (const m of c.members) {
            assert.equal(
              (await call("GET", `${m.clientUrl}/mod/v2/lock/expiry`)).text,
              "next",
              m.name,
            );
          }
        },
      );

      await t.step(
        "renewals keep the lock past its TTL; when they stop it passes on",
        async () => {
          const held = await acquire(c.any(), "renew", {
            ttl: "1",
            value: "renewer",
          });
          const waiter = acquire(c.any(), "renew", {
            ttl: "5",
            value: "waiter",
          });
          const t0 = Date.now();
          let last = t0;
          while (Date.now() - t0 < 3000) {
            await sleep(300);
            const form: Record<string, string> = Math.random() < 0.5
              ? { index: held.text }
              : { value: "renewer" };
            const r = await call(
              "PUT",
              `${c.any()}/mod/v2/lock/renew?ttl=1`,
              form,
            );
            assert.equal(r.status, 200, r.text);
            last = Date.now();
            assert.equal(
              await settled(waiter),
              false,
              "the waiter took a lock that was being renewed",
            );
          }
          for (const m of c.members) {
            assert.equal(
              (await call("GET", `${m.clientUrl}/mod/v2/lock/renew`)).text,
              "renewer",
              m.name,
            );
          }
          const r = await waiter;
          const after = Date.now() - last;
          assert.equal(r.status, 200);
          assert.ok(
            after < 3000,
            `handed on ${after} ms after the last renewal`,
          );
          assert.equal(
            (await call("GET", `${c.any()}/mod/v2/lock/renew`)).text,
            "waiter",
          );
        },
      );
    } finally {
      await c.close();
    }
  },
});
