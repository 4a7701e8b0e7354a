// On Node, keys requests are served straight on node:http (keys_node.ts)
// unless they are unusual; the unusual ones go through the Hono app. Both
// routes must answer alike: the same request sent in shapes that take one
// route or the other (a Content-Length or a chunked body, HTTP/1.1 or 1.0,
// a clean or a dotted path) gets the same status, headers and body. Run on
// Deno too, where every request takes the Hono app.

import assert from "node:assert/strict";
import { FORM, jsonOf, type RawAnswer, rawExchange, request } from "../../tools/reliability/raw_http.ts";
import { runtimesUnderTest, startServer } from "../helpers/server.ts";

/** The headers a client reads; the rest (Date, Connection, framing) may differ by route. */
function essentials(a: RawAnswer): Record<string, string | undefined> {
  const h = a.headers;
  return {
    status: String(a.status),
    "content-type": h["content-type"],
    "x-etcd-index": h["x-etcd-index"],
    "x-etcd-cluster-id": h["x-etcd-cluster-id"],
    "x-raft-term": h["x-raft-term"],
    "access-control-allow-origin": h["access-control-allow-origin"],
  };
}

function chunked(method: string, target: string, body: string): string {
  return `${method} ${target} HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
    `Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
}

for (const runtime of runtimesUnderTest()) {
  Deno.test({
    name: `keys answers are the same on every route through the server (${runtime})`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const s = await startServer({ runtime, args: ["--max-request-bytes", "4096"] });
      const { hostname, port } = new URL(s.clientUrl);
      const send = (data: string) => rawExchange(hostname, Number(port), data, { timeoutMs: 5000 });
      try {
        await t.step("a PUT with a Content-Length and a chunked PUT", async () => {
          const a = await send(request("PUT", "/v2/keys/route/a", { headers: FORM, body: "value=one" }));
          const b = await send(chunked("PUT", "/v2/keys/route/b", "value=one"));
          assert.equal(a.status, 201, a.raw);
          assert.deepEqual({ ...essentials(b), "x-etcd-index": "" }, { ...essentials(a), "x-etcd-index": "" });
          const na = jsonOf(a) as { node: { value: string } };
          const nb = jsonOf(b) as { node: { value: string } };
          assert.equal(nb.node.value, na.node.value);
        });

        await t.step("a chunked body can still fail a compare, with etcd's error", async () => {
          const a = await send(chunked("PUT", "/v2/keys/route/a?prevValue=nope", "value=two"));
          assert.equal(a.status, 412, a.raw);
          assert.equal((jsonOf(a) as { errorCode: number }).errorCode, 101);
        });

        await t.step("HTTP/1.0 and HTTP/1.1 GETs", async () => {
          const a = await send(request("GET", "/v2/keys/route/a"));
          const b = await send("GET /v2/keys/route/a HTTP/1.0\r\nHost: t\r\n\r\n");
          assert.equal(a.status, 200, a.raw);
          assert.deepEqual(essentials(b), essentials(a));
          assert.deepEqual(jsonOf(b), jsonOf(a));
        });

        await t.step("a dotted path is redirected; a near miss of /v2/keys is not a keys request", async () => {
          const r = await send(request("GET", "/v2/keys/route/./a"));
          assert.equal(r.status, 301, r.raw);
          assert.equal(r.headers.location, "/v2/keys/route/a");
          const miss = await send(request("GET", "/v2/keysroute"));
          assert.equal(miss.status, 404, miss.raw);
          assert.equal((jsonOf(miss) as { errorCode?: number }).errorCode, undefined, "not an etcd key error");
        });

        await t.step("a body over the limit is refused (413) before it is read", async () => {
          const big = "value=" + "x".repeat(8192);
          const a = await send(request("PUT", "/v2/keys/route/big", { headers: FORM, body: big }));
          assert.equal(a.status, 413, a.raw.slice(0, 300));
          const left = await send(request("GET", "/v2/keys/route/big"));
          assert.equal(left.status, 404, "nothing was written");
        });

        await t.step("a long poll answered by a later write, and one answered from history", async () => {
          const waiting = send(request("GET", "/v2/keys/route/a?wait=true"));
          await new Promise((r) => setTimeout(r, 100));
          await send(request("PUT", "/v2/keys/route/a", { headers: FORM, body: "value=three" }));
          const w = await waiting;
          assert.equal(w.status, 200, w.raw);
          const ev = jsonOf(w) as { action: string; node: { value: string; modifiedIndex: number } };
          assert.equal(ev.node.value, "three");
          const past = await send(request("GET", `/v2/keys/route/a?wait=true&waitIndex=${ev.node.modifiedIndex}`));
          assert.deepEqual(jsonOf(past), ev);
        });
      } finally {
        await s.stop();
      }
    },
  });
}
