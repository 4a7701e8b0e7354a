// GETs of unchanged keys are answered from encoded answers kept between
// writes (server/http/get_cache.ts). What a client sees must not change:
// every write anywhere shows at once (value and X-Etcd-Index / X-Raft-Index),
// TTLs keep counting down, CORS headers follow each request's origin, and
// the store's get counters still count every read.

import assert from "node:assert/strict";
import { runtimesUnderTest, startServer } from "../helpers/server.ts";

interface Got {
  status: number;
  body: { node?: { value?: string; ttl?: number }; errorCode?: number };
  etcdIndex: string | null;
  raftIndex: string | null;
  allow: string | null;
}

async function get(url: string, origin?: string): Promise<Got> {
  const res = await fetch(url, { headers: origin ? { origin } : {}, signal: AbortSignal.timeout(5000) });
  return {
    status: res.status,
    body: await res.json(),
    etcdIndex: res.headers.get("x-etcd-index"),
    raftIndex: res.headers.get("x-raft-index"),
    allow: res.headers.get("access-control-allow-origin"),
  };
}

async function put(url: string, body: string): Promise<void> {
  const res = await fetch(url, {
    method: "PUT",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
    signal: AbortSignal.timeout(5000),
  });
  await res.body?.cancel();
  assert.ok(res.status < 300, `PUT ${url}: ${res.status}`);
}

for (const runtime of runtimesUnderTest()) {
  Deno.test({
    name: `repeated GETs see every change at once (${runtime})`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const s = await startServer({ runtime, args: ["--cors", "http://ok.example"] });
      const K = `${s.clientUrl}/v2/keys`;
      try {
        await t.step("a write to the key, or to any other key, shows in the next GET", async () => {
          await put(`${K}/c/a`, "value=1");
          const first = await get(`${K}/c/a`);
          const again = await get(`${K}/c/a`);
          assert.deepEqual(again, first);
          await put(`${K}/c/a`, "value=2");
          const changed = await get(`${K}/c/a`);
          assert.equal(changed.body.node?.value, "2");
          assert.ok(Number(changed.etcdIndex) > Number(first.etcdIndex));
          await put(`${K}/c/other`, "value=x");
          const moved = await get(`${K}/c/a`);
          assert.equal(moved.body.node?.value, "2");
          assert.ok(Number(moved.etcdIndex) > Number(changed.etcdIndex), "X-Etcd-Index follows the store");
          assert.ok(Number(moved.raftIndex) > Number(changed.raftIndex), "X-Raft-Index follows raft");
          await fetch(`${K}/c/a`, { method: "DELETE", signal: AbortSignal.timeout(5000) }).then((r) => r.body?.cancel());
          assert.equal((await get(`${K}/c/a`)).status, 404);
        });

        await t.step("a key with a TTL counts down between GETs", async () => {
          await put(`${K}/c/ttl`, "value=t&ttl=30");
          const a = await get(`${K}/c/ttl`);
          await new Promise((r) => setTimeout(r, 1100));
          const b = await get(`${K}/c/ttl`);
          assert.ok((b.body.node?.ttl ?? 99) < (a.body.node?.ttl ?? 0), `ttl ${a.body.node?.ttl} then ${b.body.node?.ttl}`);
        });

        await t.step("directory listings: each shape its own answer, children's writes and TTLs show", async () => {
          await put(`${K}/d/b/x`, "value=1");
          await put(`${K}/d/a`, "value=2");
          const listing = async (q: string) => (await (await fetch(`${K}/d${q}`, { signal: AbortSignal.timeout(5000) })).text());
          const shapes = ["", "?recursive=true", "?sorted=true", "?recursive=true&sorted=true"];
          const first = await Promise.all(shapes.map(listing));
          assert.deepEqual(await Promise.all(shapes.map(listing)), first, "unchanged store, same answers");
          assert.equal(new Set(first).size, 4, "the four shapes differ");
          assert.ok(first[1].includes('"value":"1"') && !first[0].includes('"value":"1"'), "only recursive lists b/x");
          await put(`${K}/d/b/x`, "value=3");
          assert.ok((await listing("?recursive=true")).includes('"value":"3"'), "a child's write shows");
          await put(`${K}/d/t`, "value=t&ttl=30");
          const a = JSON.parse(await listing("?sorted=true"));
          await new Promise((r) => setTimeout(r, 1100));
          const b = JSON.parse(await listing("?sorted=true"));
          const ttl = (l: { node: { nodes: { key: string; ttl?: number }[] } }) => l.node.nodes.find((n) => n.key === "/d/t")?.ttl ?? 0;
          assert.ok(ttl(b) < ttl(a), `a child's TTL counts down: ${ttl(a)} then ${ttl(b)}`);
        });

        await t.step("CORS headers follow each request's origin", async () => {
          await put(`${K}/c/cors`, "value=v");
          assert.equal((await get(`${K}/c/cors`, "http://ok.example")).allow, "http://ok.example");
          assert.equal((await get(`${K}/c/cors`, "http://evil.example")).allow, null);
          assert.equal((await get(`${K}/c/cors`)).allow, null);
          assert.equal((await get(`${K}/c/cors`, "http://ok.example")).allow, "http://ok.example");
        });

        await t.step("every GET is counted in the store's stats", async () => {
          const stats = async () =>
            (await (await fetch(`${s.clientUrl}/v2/stats/store`, { signal: AbortSignal.timeout(5000) })).json()).getsSuccess as number;
          const before = await stats();
          for (let i = 0; i < 5; i++) await get(`${K}/c/cors`);
          assert.equal(await stats(), before + 5);
        });
      } finally {
        await s.stop();
      }
    },
  });
}
