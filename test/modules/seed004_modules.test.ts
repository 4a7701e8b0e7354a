// Seed 004's "Lock" and "Leader Election" sections, command by command,
// against one real member on each runtime; then every error the modules
// answer, timeouts, a client that hangs up, and a lease that runs out.

import assert from "node:assert/strict";
import { dirname } from "node:path";
import { call, type Reply } from "../helpers/http.ts";
import { cleanup, runtimesUnderTest, startServer } from "../helpers/server.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether a request is still waiting after `ms`. */
async function stillWaiting(p: Promise<unknown>, ms = 300): Promise<boolean> {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  await sleep(ms);
  return !done;
}

function ok(r: Reply, body: string, what: string) {
  assert.equal(r.status, 200, `${what}: ${r.status} ${r.text}`);
  assert.equal(r.text, body, what);
}

/** Indexes of the lock's queue entries, read through the keys API. */
async function queue(base: string, dir: string): Promise<string[]> {
  const r = await call(
    "GET",
    `${base}/v2/keys/_etcd/mod/${dir}?sorted=true&quorum=true`,
  );
  if (r.status === 404) return [];
  return (r.json.node.nodes ?? []).map((n: { createdIndex: number }) =>
    String(n.createdIndex)
  );
}

for (const runtime of runtimesUnderTest()) {
  Deno.test({
    name:
      `seed 004 lock and leader modules, errors, timeouts, hang-ups, expiry (${runtime})`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const srv = await startServer({ runtime });
      const U = srv.clientUrl;
      const lock = `${U}/mod/v2/lock/customer1`;
      const leader = `${U}/mod/v2/leader/order_processing`;
      try {
        await t.step("Lock section of the README", async () => {
          // curl -X POST http://127.0.0.1:4001/mod/v2/lock/customer1?ttl=60
          const first = await call("POST", `${lock}?ttl=60`);
          assert.equal(first.status, 200);
          assert.match(first.text, /^[0-9]+$/);
          const i1 = first.text;
          // curl -X POST http://127.0.0.1:4001/mod/v2/lock/customer1?ttl=60 -d value=bar  (waits: the lock is held)
          const bar = call("POST", `${lock}?ttl=60`, { value: "bar" });
          assert.ok(await stillWaiting(bar), "value=bar got a held lock");
          // curl -X PUT http://127.0.0.1:4001/mod/v2/lock/customer1?ttl=60 -d index=2
          ok(
            await call("PUT", `${lock}?ttl=60`, { index: i1 }),
            "",
            "renew by index",
          );
          // curl -X PUT http://127.0.0.1:4001/mod/v2/lock/customer1?ttl=60 -d value=bar  (a queued value renews too)
          ok(
            await call("PUT", `${lock}?ttl=60`, { value: "bar" }),
            "",
            "renew by value",
          );
          // curl http://127.0.0.1:4001/mod/v2/lock/customer1  (no value: "-", as etcd 0.2 stored it)
          ok(await call("GET", lock), "-", "holder's value");
          // curl http://127.0.0.1:4001/mod/v2/lock/customer1?field=index
          ok(await call("GET", `${lock}?field=index`), i1, "holder's index");
          // curl -X DELETE http://127.0.0.1:4001/mod/v2/lock/customer1?index=customer1  (the README's typo: not an index)
          const typo = await call("DELETE", `${lock}?index=customer1`);
          assert.equal(typo.status, 400);
          assert.equal(typo.json.errorCode, 203);
          // Releasing by the real index hands the lock to "bar".
          ok(
            await call("DELETE", `${lock}?index=${i1}`),
            "",
            "release by index",
          );
          const barReply = await bar;
          assert.equal(barReply.status, 200);
          const i2 = barReply.text;
          assert.ok(Number(i2) > Number(i1));
          ok(await call("GET", lock), "bar", "holder's value");
          ok(await call("GET", `${lock}?field=value`), "bar", "field=value");
          ok(await call("GET", `${lock}?field=index`), i2, "holder's index");
          // Locking the value that holds the lock answers at once with its index.
          ok(
            await call("POST", `${lock}?ttl=60`, { value: "bar" }),
            i2,
            "same value again",
          );
          // curl -X DELETE http://127.0.0.1:4001/mod/v2/lock/customer1?value=bar
          ok(await call("DELETE", `${lock}?value=bar`), "", "release by value");
          ok(await call("GET", lock), "", "free lock's value");
          ok(await call("GET", `${lock}?field=index`), "", "free lock's index");
          ok(
            await call("GET", `${U}/mod/v2/lock/never-used`),
            "",
            "unused lock",
          );
        });

        await t.step(
          "two clients locking the same value both return when it gets the lock",
          async () => {
            const held = (await call("POST", `${lock}?ttl=60`)).text;
            const a = call("POST", `${lock}?ttl=60`, { value: "shared" });
            await sleep(100);
            const b = call("POST", `${lock}?ttl=60&value=shared`);
            assert.ok(await stillWaiting(a));
            const q = await queue(U, "lock/customer1");
            assert.equal(
              q.length,
              2,
              "the second 'shared' request queued its own entry",
            );
            assert.equal(q[0], held);
            ok(await call("DELETE", `${lock}?index=${held}`), "", "release");
            const [ra, rb] = await Promise.all([a, b]);
            assert.equal(ra.status, 200);
            assert.equal(rb.text, ra.text);
            ok(
              await call("DELETE", `${lock}?value=shared`),
              "",
              "release shared",
            );
          },
        );

        await t.step("Leader Election section of the README", async () => {
          // curl -X POST http://127.0.0.1:4001/mod/v2/leader/order_processing?ttl=60 -d name=myserver1.foo.com
          const set = await call("POST", `${leader}?ttl=60`, {
            name: "myserver1.foo.com",
          });
          assert.equal(set.status, 200);
          assert.match(set.text, /^[0-9]+$/);
          // curl http://127.0.0.1:4001/mod/v2/leader/order_processing → myserver1.foo.com
          ok(await call("GET", leader), "myserver1.foo.com", "leader");
          // Another candidate waits while myserver1 leads; two with one name are both told.
          const two = call("POST", `${leader}?ttl=60`, {
            name: "myserver2.foo.com",
          });
          await sleep(50);
          const twoAgain = call(
            "PUT",
            `${leader}?ttl=60&name=myserver2.foo.com`,
          );
          assert.ok(
            await stillWaiting(two),
            "a second candidate took the leadership",
          );
          // "To update the TTL of a value simply reissue the same POST command."
          ok(
            await call("POST", `${leader}?ttl=60`, {
              name: "myserver1.foo.com",
            }),
            set.text,
            "renew",
          );
          // curl -X POST http://127.0.0.1:4001/mod/v2/leader/order_processing?name=myserver1.foo.com  (remove)
          ok(
            await call("POST", `${leader}?name=myserver1.foo.com`),
            "",
            "remove (README form)",
          );
          const [r2, r2b] = await Promise.all([two, twoAgain]);
          assert.equal(r2.status, 200);
          assert.equal(r2b.text, r2.text);
          ok(await call("GET", leader), "myserver2.foo.com", "next leader");
          // DELETE ?name= removes as well; then nobody leads.
          ok(
            await call("DELETE", `${leader}?name=myserver2.foo.com`),
            "",
            "remove (DELETE)",
          );
          ok(await call("GET", leader), "", "no leader");
          assert.deepEqual(await queue(U, "leader/order_processing"), []);
        });

        await t.step("errors", async () => {
          await call("POST", `${U}/mod/v2/lock/err?ttl=60`, {
            value: "holder",
          });
          const cases: [
            string,
            string,
            Record<string, string> | undefined,
            number,
            number,
            string,
          ][] = [
            ["POST", "/mod/v2/lock/err", undefined, 400, 202, "Acquire"],
            [
              "POST",
              "/mod/v2/lock/err?ttl=abc",
              undefined,
              400,
              202,
              "Acquire",
            ],
            ["POST", "/mod/v2/lock/err?ttl=0", undefined, 400, 202, "Acquire"],
            ["POST", "/mod/v2/lock/err?ttl=-5", undefined, 400, 202, "Acquire"],
            [
              "POST",
              "/mod/v2/lock/err?ttl=5&timeout=soon",
              undefined,
              400,
              205,
              "Acquire",
            ],
            ["PUT", "/mod/v2/lock/err?index=1", undefined, 400, 202, "Renew"],
            ["PUT", "/mod/v2/lock/err?ttl=5", undefined, 400, 207, "Renew"],
            [
              "PUT",
              "/mod/v2/lock/err?ttl=5",
              { index: "1", value: "holder" },
              400,
              208,
              "Renew",
            ],
            [
              "PUT",
              "/mod/v2/lock/err?ttl=5&index=x1",
              undefined,
              400,
              203,
              "Renew",
            ],
            [
              "PUT",
              "/mod/v2/lock/err?ttl=5&index=999999",
              undefined,
              404,
              100,
              "Renew",
            ],
            [
              "PUT",
              "/mod/v2/lock/err?ttl=5&value=nobody",
              undefined,
              404,
              100,
              "Renew",
            ],
            ["DELETE", "/mod/v2/lock/err", undefined, 400, 207, "Release"],
            [
              "DELETE",
              "/mod/v2/lock/err?index=1&value=holder",
              undefined,
              400,
              208,
              "Release",
            ],
            [
              "DELETE",
              "/mod/v2/lock/err?index=999999",
              undefined,
              404,
              100,
              "Release",
            ],
            [
              "DELETE",
              "/mod/v2/lock/err?value=nobody",
              undefined,
              404,
              100,
              "Release",
            ],
            [
              "GET",
              "/mod/v2/lock/err?field=holder",
              undefined,
              400,
              209,
              "Get",
            ],
            ["POST", "/mod/v2/leader/err?ttl=5", undefined, 400, 206, "Set"],
            ["PUT", "/mod/v2/leader/err?name=x", undefined, 400, 202, "Set"],
            ["DELETE", "/mod/v2/leader/err", undefined, 400, 206, "Delete"],
            [
              "DELETE",
              "/mod/v2/leader/err?name=nobody",
              undefined,
              404,
              100,
              "Delete",
            ],
            [
              "POST",
              "/mod/v2/leader/err?name=nobody",
              undefined,
              404,
              100,
              "Delete",
            ],
            [
              "POST",
              "/mod/v2/lock/err?ttl=5&value=%zz",
              undefined,
              400,
              210,
              "",
            ],
          ];
          for (const [method, path, form, status, code, cause] of cases) {
            const r = await call(method, `${U}${path}`, form);
            const what = `${method} ${path} ${JSON.stringify(form ?? {})}`;
            assert.equal(r.status, status, `${what}: ${r.status} ${r.text}`);
            assert.equal(
              r.headers.get("content-type"),
              "application/json",
              what,
            );
            assert.equal(r.json.errorCode, code, what);
            if (cause) assert.equal(r.json.cause, cause, what);
          }
          const patch = await call("PATCH", `${U}/mod/v2/lock/err?ttl=5`);
          assert.equal(patch.status, 405);
          assert.equal((await call("GET", `${U}/mod/v2/lock/`)).status, 404);
          assert.equal((await call("GET", `${U}/mod/v2/leader`)).status, 404);
          // Clients still cannot touch the module's keys through the keys API.
          const direct = await call(
            "DELETE",
            `${U}/v2/keys/_etcd/mod/lock/err?recursive=true`,
          );
          assert.equal(direct.json.errorCode, 106);
          ok(
            await call("GET", `${U}/mod/v2/lock/err`),
            "holder",
            "lock untouched",
          );
        });

        await t.step(
          "timeout=0 and timeout=N give up with a 500 and leave the queue",
          async () => {
            const now = await call(
              "POST",
              `${U}/mod/v2/lock/err?ttl=5&timeout=0`,
            );
            assert.equal(now.status, 500);
            assert.equal(now.json.errorCode, 300);
            const t0 = Date.now();
            const later = await call(
              "POST",
              `${U}/mod/v2/lock/err?ttl=5&timeout=1`,
              { value: "patient" },
            );
            const took = Date.now() - t0;
            assert.equal(later.status, 500);
            assert.match(later.json.cause, /timeout/);
            assert.ok(took >= 950 && took < 3000, `gave up after ${took} ms`);
            assert.equal(
              (await queue(U, "lock/err")).length,
              1,
              "a request that gave up is still queued",
            );
            // A free lock with timeout=0 is simply taken.
            assert.match(
              (await call("POST", `${U}/mod/v2/lock/free?ttl=5&timeout=0`))
                .text,
              /^[0-9]+$/,
            );
          },
        );

        await t.step(
          "a waiter whose client hangs up leaves the queue",
          async () => {
            const ctl = new AbortController();
            const gone = fetch(`${U}/mod/v2/lock/err?ttl=60`, {
              method: "POST",
              signal: ctl.signal,
            }).catch(() => null);
            await sleep(300);
            assert.equal((await queue(U, "lock/err")).length, 2);
            ctl.abort();
            await gone;
            const deadline = Date.now() + 5000;
            while (
              (await queue(U, "lock/err")).length !== 1 && Date.now() < deadline
            ) await sleep(50);
            assert.equal(
              (await queue(U, "lock/err")).length,
              1,
              "the hung-up request is still queued",
            );
          },
        );

        await t.step(
          "a holder whose TTL runs out hands the lock to the next waiter",
          async () => {
            const t0 = Date.now();
            const held = await call("POST", `${U}/mod/v2/lock/exp?ttl=1`, {
              value: "short",
            });
            assert.equal(held.status, 200);
            const next = await call("POST", `${U}/mod/v2/lock/exp?ttl=1`, {
              value: "next",
            });
            const waited = Date.now() - t0;
            assert.equal(next.status, 200);
            assert.ok(
              waited >= 900 && waited < 4000,
              `handed on after ${waited} ms`,
            );
            ok(await call("GET", `${U}/mod/v2/lock/exp`), "next", "new holder");
          },
        );
      } finally {
        await srv.stop();
        cleanup(dirname(srv.dataDir));
      }
    },
  });
}
