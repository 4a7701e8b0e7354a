// The lock service over an in-process keyspace: fairness, shared values,
// leases that run out or are kept alive, timeouts, clients that leave.

import assert from "node:assert/strict";
import { LockService } from "../../server/modules/mod.ts";
import { applyRequest } from "../../server/store/apply.ts";
import { EtcdError } from "../../server/store/errors.ts";
import { Store } from "../../server/store/store.ts";
import { FakeBackend } from "./fake_backend.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` with a fresh service; every test is bounded by `limitMs`. */
function lockTest(
  name: string,
  fn: (s: LockService, b: FakeBackend) => Promise<void>,
  limitMs = 8000,
) {
  Deno.test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const b = new FakeBackend();
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          fn(new LockService(b, "/_etcd/mod/lock"), b),
          new Promise((
            _,
            rej,
          ) => (timer = setTimeout(
            () => rej(new Error(`test took over ${limitMs} ms`)),
            limitMs,
          ))),
        ]);
      } finally {
        clearTimeout(timer);
        b.close();
      }
    },
  });
}

/** Whether a promise has settled yet (without waiting for it). */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  await sleep(20);
  return done;
}

async function rejection(p: Promise<unknown>): Promise<EtcdError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof EtcdError, `not an etcd error: ${err}`);
    return err;
  }
  assert.fail("expected the promise to reject");
}

lockTest("a free lock is acquired at once and shows its holder", async (s) => {
  const i = await s.acquire("/foo", { value: "", ttl: 10 });
  assert.equal(i, 1);
  assert.deepEqual(await s.holder("/foo"), {
    index: 1,
    key: "/_etcd/mod/lock/foo/00000000000000000001",
    value: "",
  });
  await s.release("/foo", { index: i });
  assert.equal(await s.holder("/foo"), undefined);
  assert.equal(await s.holder("/never-used"), undefined);
});

lockTest("waiters get the lock in the order they asked", async (s) => {
  const order: string[] = [];
  const first = await s.acquire("/q", { value: "w0", ttl: 10 });
  const waiters = [];
  for (let w = 1; w <= 5; w++) {
    waiters.push(
      s.acquire("/q", { value: `w${w}`, ttl: 10 }).then((
        i,
      ) => (order.push(`w${w}`), i)),
    );
    await sleep(5);
  }
  assert.equal(await settled(waiters[0]), false, "a waiter got a held lock");
  let holder = first;
  for (let w = 1; w <= 5; w++) {
    await s.release("/q", { index: holder });
    holder = await waiters[w - 1];
    assert.equal((await s.holder("/q"))?.value, `w${w}`);
    if (w < 5) {
      assert.equal(
        await settled(waiters[w]),
        false,
        `w${w + 1} got the lock while w${w} held it`,
      );
    }
  }
  assert.deepEqual(order, ["w1", "w2", "w3", "w4", "w5"]);
});

lockTest(
  "requests with the same value share one entry and all return when it is acquired",
  async (s, b) => {
    const held = await s.acquire("/v", { value: "", ttl: 10 });
    const a = s.acquire("/v", { value: "bar", ttl: 10 });
    await sleep(20);
    const c = s.acquire("/v", { value: "bar", ttl: 10 });
    await sleep(20);
    assert.equal(await settled(a), false);
    assert.equal(await settled(c), false);
    const posts = b.log.filter((r) => r.method === "POST").length;
    assert.equal(
      posts,
      2,
      "the second 'bar' request queued an entry of its own",
    );
    await s.release("/v", { index: held });
    const [ia, ic] = await Promise.all([a, c]);
    assert.equal(ia, ic);
    assert.equal((await s.holder("/v"))?.value, "bar");
    // Asking again with the holder's value renews it and answers at once.
    assert.equal(await s.acquire("/v", { value: "bar", ttl: 10 }), ia);
  },
);

lockTest(
  "two requests racing with the same value end up on one entry",
  async (s) => {
    const [x, y] = await Promise.all([
      s.acquire("/race", { value: "same", ttl: 10 }),
      s.acquire("/race", { value: "same", ttl: 10 }),
    ]);
    assert.equal(x, y);
    const q = s["localQueue"]("/_etcd/mod/lock/race") as unknown[];
    assert.equal(
      q.length,
      1,
      "the loser's duplicate entry was left in the queue",
    );
  },
);

lockTest(
  "a holder whose lease runs out loses the lock to the next waiter",
  async (s) => {
    const t0 = Date.now();
    await s.acquire("/exp", { value: "short", ttl: 1 });
    // The waiter's own TTL is shorter than its wait: it is kept alive meanwhile.
    const next = s.acquire("/exp", { value: "next", ttl: 1 });
    await sleep(600);
    assert.equal((await s.holder("/exp"))?.value, "short");
    await next;
    const waited = Date.now() - t0;
    assert.ok(waited >= 900 && waited < 3000, `handed on after ${waited} ms`);
    assert.equal((await s.holder("/exp"))?.value, "next");
    // Its lease counts from acquisition: still held a moment later.
    await sleep(500);
    assert.equal((await s.holder("/exp"))?.value, "next");
  },
);

lockTest(
  "renewals keep a lock past its TTL; when they stop it expires",
  async (s) => {
    const i = await s.acquire("/ren", { value: "holder", ttl: 1 });
    const waiter = s.acquire("/ren", { value: "waiter", ttl: 5 });
    for (let k = 0; k < 5; k++) {
      await sleep(400);
      await s.renew("/ren", k % 2 ? { index: i } : { value: "holder" }, 1);
    }
    assert.equal(
      await settled(waiter),
      false,
      "the waiter took a lock that was being renewed",
    );
    assert.equal((await s.holder("/ren"))?.value, "holder");
    await waiter;
    assert.equal((await s.holder("/ren"))?.value, "waiter");
  },
);

lockTest(
  "timeout=0 answers at once; timeout=N gives up after N seconds; both leave the queue",
  async (s, b) => {
    const held = await s.acquire("/t", { value: "", ttl: 10 });
    const e0 = await rejection(
      s.acquire("/t", { value: "", ttl: 10, timeout: 0 }),
    );
    assert.equal(e0.errorCode, 300);
    assert.equal(e0.status, 500);
    const t0 = Date.now();
    const e1 = await rejection(
      s.acquire("/t", { value: "x", ttl: 10, timeout: 1 }),
    );
    const took = Date.now() - t0;
    assert.equal(e1.errorCode, 300);
    assert.ok(took >= 950 && took < 3000, `gave up after ${took} ms`);
    const q = s["localQueue"]("/_etcd/mod/lock/t") as { index: number }[];
    assert.deepEqual(q.map((e) => e.index), [held]);
    // A free lock with timeout=0 is simply acquired.
    assert.equal(b.log.length > 0, true);
    assert.ok(await s.acquire("/t2", { value: "", ttl: 10, timeout: 0 }) > 0);
  },
);

lockTest(
  "a waiter whose client leaves gives up its place; the one behind it moves up",
  async (s) => {
    const held = await s.acquire("/gone", { value: "a", ttl: 10 });
    const ctl = new AbortController();
    const b = s.acquire("/gone", { value: "b", ttl: 10, signal: ctl.signal });
    await sleep(10);
    const c = s.acquire("/gone", { value: "c", ttl: 10 });
    await sleep(20);
    ctl.abort();
    await assert.rejects(b);
    const q = s["localQueue"]("/_etcd/mod/lock/gone") as { value: string }[];
    assert.deepEqual(q.map((e) => e.value), ["a", "c"]);
    await s.release("/gone", { value: "a" });
    await c;
    assert.equal((await s.holder("/gone"))?.value, "c");
    void held;
  },
);

lockTest(
  "a waiter whose entry is released by someone else is told so",
  async (s) => {
    await s.acquire("/rm", { value: "", ttl: 10 });
    const w = s.acquire("/rm", { value: "victim", ttl: 10 });
    await sleep(20);
    await s.release("/rm", { value: "victim" });
    const e = await rejection(w);
    assert.equal(e.errorCode, 100);
    assert.match(e.cause, /left the queue/);
  },
);

lockTest(
  "unknown entries: Key not found with the operation as cause",
  async (s) => {
    await s.acquire("/u", { value: "", ttl: 10 });
    for (
      const [p, op] of [[s.release("/u", { index: 99 }), "Release"], [
        s.release("/u", { value: "nope" }),
        "Release",
      ], [
        s.renew("/u", { index: 99 }, 5),
        "Renew",
      ], [s.renew("/nothing", { value: "nope" }, 5), "Renew"]] as const
    ) {
      const e = await rejection(p);
      assert.equal(e.errorCode, 100);
      assert.equal(e.cause, op);
    }
  },
);

lockTest(
  "locks with nested names do not see each other's queues",
  async (s) => {
    const a = await s.acquire("/n", { value: "", ttl: 10 });
    const b = await s.acquire("/n/sub", { value: "", ttl: 10 });
    assert.ok(a > 0 && b > a);
    assert.equal((await s.holder("/n"))?.index, a);
    assert.equal((await s.holder("/n/sub"))?.index, b);
  },
);

lockTest(
  "a waiter notices a predecessor that went without an event (a snapshot installed)",
  async (s, b) => {
    await s.acquire("/snap", { value: "old", ttl: 10 });
    const w = s.acquire("/snap", { value: "new", ttl: 10 });
    await sleep(20);
    // The state a leader's snapshot would bring: the same log, then the holder gone.
    const other = new Store();
    for (const r of b.log) applyRequest(other, r);
    other.delete(s.dirOf("/snap") + "/00000000000000000001", false, false);
    b.store.replaceWith(other);
    const t0 = Date.now();
    assert.equal(await w, 2);
    assert.ok(Date.now() - t0 < 2000, `noticed after ${Date.now() - t0} ms`);
  },
);
