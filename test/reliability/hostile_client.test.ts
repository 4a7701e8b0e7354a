// Hostile input on the client port, on both runtimes: each case sends one
// bad request over a raw socket, checks the answer (status and, where etcd
// gives one, its JSON error body), then checks the member still serves
// correct answers. Node's HTTP parser and Deno.serve refuse different
// things at the protocol level; where they differ the case says so.

import assert from "node:assert/strict";
import { FORM, jsonOf, type RawAnswer, rawExchange, request } from "../../tools/reliability/raw_http.ts";
import { runtimesUnderTest } from "../helpers/server.ts";
import type { Runtime } from "../helpers/server.ts";
import { assertEtcdError, assertServes, CANARY, CANARY_VALUE, type Single, startSingle } from "./hostile_support.ts";

interface Case {
  name: string;
  send: string;
  check(a: RawAnswer, runtime: Runtime, s: Single): void | Promise<void>;
}

const MAX_BODY = 10 * 1024 * 1024;

const etcdError = (status: number, code: number) => (a: RawAnswer, _r: Runtime, _s: Single) => {
  assert.equal(a.status, status, a.raw.slice(0, 300));
  assertEtcdError(jsonOf(a), code, `status ${status}`);
};

async function keyAbsent(s: Single, key: string): Promise<void> {
  const r = await fetch(`${s.clientUrl}/v2/keys${key}`, { signal: AbortSignal.timeout(5000) });
  await r.body?.cancel();
  assert.equal(r.status, 404, `${key} must not exist`);
}

const cases: Case[] = [
  { name: "invalid percent-encoding in the path", send: request("GET", "/v2/keys/a%zz"), check: etcdError(400, 210) },
  { name: "truncated percent-encoding in the path", send: request("PUT", "/v2/keys/a%4?value=1"), check: etcdError(400, 210) },
  { name: "invalid percent-encoding in the query", send: request("PUT", "/v2/keys/hostile/q?value=%g1"), check: etcdError(400, 210) },
  {
    name: "invalid percent-encoding in the form body",
    send: request("PUT", "/v2/keys/hostile/f", { headers: FORM, body: "value=%zz" }),
    check: etcdError(400, 210),
  },
  {
    name: "broken form body",
    send: request("PUT", "/v2/keys/hostile/f", { headers: FORM, body: "value=a&&=&%%%" }),
    check: etcdError(400, 210),
  },
  {
    name: "`..` segments on GET redirect to the clean path",
    send: request("GET", `/v2/keys/hostile/x/..${CANARY.slice("/hostile".length)}`),
    check(a) {
      assert.equal(a.status, 301, a.raw.slice(0, 300));
      assert.equal(a.headers["location"], `/v2/keys${CANARY}`);
    },
  },
  {
    name: "`..` segments on PUT redirect and write nothing",
    send: request("PUT", "/v2/keys/hostile/x/../dotdot?value=1"),
    async check(a, _r, s) {
      assert.equal(a.status, 301, a.raw.slice(0, 300));
      assert.equal(a.headers["location"], "/v2/keys/hostile/dotdot?value=1");
      await keyAbsent(s, "/hostile/dotdot");
    },
  },
  {
    // Node resolved this before routing and answered 404; etcd (Go's mux) redirects.
    name: "a `..` that climbs out of /v2/keys redirects to the clean path",
    send: request("GET", "/v2/keys/../machines"),
    check(a) {
      assert.equal(a.status, 301, a.raw.slice(0, 300));
      assert.equal(a.headers["location"], "/v2/machines");
    },
  },
  {
    name: "unclean paths outside /v2/keys redirect too (Go's mux cleans every path)",
    send: request("GET", "/v2/./machines"),
    check(a) {
      assert.equal(a.status, 301, a.raw.slice(0, 300));
      assert.equal(a.headers["location"], "/v2/machines");
    },
  },
  {
    // Go cleans the decoded path: %2E%2E is a `..` too (it wrote /hostile/dotenc).
    name: "`%2E%2E` segments on PUT redirect and write nothing",
    send: request("PUT", "/v2/keys/hostile/x/%2E%2e/dotenc?value=1"),
    async check(a, _r, s) {
      assert.equal(a.status, 301, a.raw.slice(0, 300));
      assert.equal(a.headers["location"], "/v2/keys/hostile/dotenc?value=1");
      await keyAbsent(s, "/hostile/dotenc");
    },
  },
  {
    // Found by the fuzz loop (seed 11): raw UTF-8 in the query (here U+0296)
    // made the redirect's Location header an invalid ByteString, a 500 on Deno.
    name: "`..` with raw non-ASCII bytes and HTML in the query",
    send: request("PUT", `/v2/keys/hostile/./..?\xca\x96=<b>"x"</b>&v=\xc3\xbc`),
    check(a) {
      // node's parser refuses the raw bytes; Deno passes them on.
      assert.ok(a.status === 301 || a.status === 400, a.raw.slice(0, 300));
      if (a.status === 301) assert.match(a.headers["location"], /^\/v2\/keys\?%CA%96=<b>"x"<\/b>&v=%C3%BC$/);
    },
  },
  {
    name: "`..` on GET: the redirect's HTML body escapes the URL",
    send: request("GET", `/v2/keys/hostile/./..?a="><script>x</script>`),
    check(a) {
      assert.ok(a.status === 301 || a.status === 400, a.raw.slice(0, 300));
      if (a.status === 301) assert.ok(!a.body.includes("<script>"), a.body);
    },
  },
  {
    name: "a key of 64 KiB",
    send: request("PUT", `/v2/keys/${"k".repeat(64 * 1024)}?value=1`),
    check(a, runtime) {
      assert.equal(a.status, 400, a.raw.slice(0, 300));
      // Deno.serve refuses a request line this long itself, with an empty 400.
      if (runtime === "node") assertEtcdError(jsonOf(a), 209, "64 KiB key");
    },
  },
  { name: "a key over 8 KiB", send: request("PUT", `/v2/keys/${"k".repeat(9000)}?value=1`), check: etcdError(400, 209) },
  {
    name: "a 1000-level path",
    send: request("PUT", `/v2/keys/hostile/deep/${"d/".repeat(1000)}leaf?value=bottom`),
    async check(a, _r, s) {
      assert.equal(a.status, 201, a.raw.slice(0, 300));
      const got = await (await fetch(`${s.clientUrl}/v2/keys/hostile/deep/${"d/".repeat(1000)}leaf`)).json();
      assert.equal(got.node.value, "bottom");
      const del = await fetch(`${s.clientUrl}/v2/keys/hostile/deep?recursive=true`, { method: "DELETE" });
      await del.body?.cancel();
      assert.equal(del.status, 200);
    },
  },
  {
    name: "a body beyond the limit, declared",
    send: request("PUT", "/v2/keys/hostile/big", { headers: FORM, body: "value=" + "x".repeat(MAX_BODY) }),
    async check(a, _r, s) {
      etcdError(413, 210)(a, _r, s);
      await keyAbsent(s, "/hostile/big");
    },
  },
  {
    name: "a body beyond the limit, chunked without a length",
    send: "PUT /v2/keys/hostile/big HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
      "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
      `${(MAX_BODY + 16).toString(16)}\r\nvalue=${"y".repeat(MAX_BODY + 10)}\r\n0\r\n\r\n`,
    async check(a, _r, s) {
      etcdError(413, 210)(a, _r, s);
      await keyAbsent(s, "/hostile/big");
    },
  },
  { name: "non-numeric ttl", send: request("PUT", "/v2/keys/hostile/t?value=1&ttl=abc"), check: etcdError(400, 202) },
  { name: "negative ttl", send: request("PUT", "/v2/keys/hostile/t?value=1&ttl=-5"), check: etcdError(400, 202) },
  { name: "ttl beyond 2^53", send: request("PUT", "/v2/keys/hostile/t?value=1&ttl=99999999999999999999"), check: etcdError(400, 202) },
  { name: "negative prevIndex", send: request("PUT", "/v2/keys/hostile/t?value=1&prevIndex=-1"), check: etcdError(400, 203) },
  { name: "non-numeric prevIndex", send: request("DELETE", "/v2/keys/hostile/t?prevIndex=1e3"), check: etcdError(400, 203) },
  { name: "non-numeric waitIndex", send: request("GET", "/v2/keys/hostile/t?wait=true&waitIndex=zz"), check: etcdError(400, 203) },
  { name: "invalid bool", send: request("GET", "/v2/keys/hostile?recursive=maybe"), check: etcdError(400, 209) },
  {
    name: "wait on a non-GET",
    send: request("PUT", "/v2/keys/hostile/t?value=1&wait=true"),
    check: etcdError(400, 209),
  },
  {
    name: "an unknown method",
    send: request("BREW", "/v2/keys/hostile/t"),
    check(a, runtime) {
      // node's parser refuses methods it does not know before we see them.
      assert.equal(a.status, runtime === "node" ? 400 : 405, a.raw.slice(0, 300));
    },
  },
  {
    name: "a known method the keys API does not allow",
    send: request("PATCH", "/v2/keys/hostile/t", { body: "value=1", headers: FORM }),
    check(a) {
      assert.equal(a.status, 405, a.raw.slice(0, 300));
      assert.match(a.headers["allow"] ?? "", /GET/);
    },
  },
  {
    name: "a JSON body is not a form",
    send: request("PUT", "/v2/keys/hostile/json", { headers: { "Content-Type": "application/json" }, body: '{"value":"x"}' }),
    check(a) {
      assert.equal(a.status, 201, a.raw.slice(0, 300));
      assert.equal((jsonOf(a) as { node: { value: string } }).node.value, "");
    },
  },
  {
    name: "a header with invalid UTF-8 and control bytes in the value",
    send: request("GET", `/v2/keys${CANARY}`, { headers: { "X-Junk": "\xff\xfe\x01" } }),
    check(a) {
      // Both runtimes may refuse the header; they must not crash or hang.
      assert.ok(a.status === 200 || a.status === 400, a.raw.slice(0, 300));
    },
  },
];

for (const runtime of runtimesUnderTest()) {
  Deno.test({
    name: `hostile client input (${runtime}): each bad request gets a 4xx, the member keeps serving`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const s = await startSingle(runtime, runtime === "deno" ? "127.0.60.1" : "127.0.60.2");
      try {
        for (const c of cases) {
          await t.step(c.name, async () => {
            const a = await rawExchange(s.host, s.clientPort, c.send, { timeoutMs: 10_000 });
            await c.check(a, runtime, s);
            await assertServes(s.clientUrl, c.name);
          });
        }
        // The canary value was never overwritten by any of the above.
        const got = await (await fetch(`${s.clientUrl}/v2/keys${CANARY}`)).json();
        assert.equal(got.node.value, CANARY_VALUE);
      } finally {
        await s.close();
      }
    },
  });
}
