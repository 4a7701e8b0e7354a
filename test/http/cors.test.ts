// CORS headers on every kind of answer, on each runtime: by default (etcd
// 3.4 behaves as "*") every response allows any origin; with --cors a list,
// only listed origins get the headers. The keys handler builds them into its
// answers, the middleware adds them to the rest; both must agree.

import assert from "node:assert/strict";
import { runtimesUnderTest, startServer } from "../helpers/server.ts";

const ALLOW = "access-control-allow-origin";

async function headersOf(url: string, init: RequestInit = {}): Promise<{ status: number; allow: string | null; methods: string | null }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  await res.body?.cancel();
  return { status: res.status, allow: res.headers.get(ALLOW), methods: res.headers.get("access-control-allow-methods") };
}

const form = (value: string): RequestInit => ({
  method: "PUT",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: `value=${value}`,
});

for (const runtime of runtimesUnderTest()) {
  Deno.test({
    name: `CORS on ${runtime}: any origin by default, only listed origins with --cors`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const open = await startServer({ runtime });
      const listed = await startServer({ runtime, args: ["--cors", "http://ok.example"] });
      try {
        await t.step("default: keys answers (set, get, error, watch, 405) and other endpoints carry '*'", async () => {
          const K = `${open.clientUrl}/v2/keys`;
          const answers = [
            await headersOf(`${K}/c`, form("1")),
            await headersOf(`${K}/c`),
            await headersOf(`${K}/missing`),
            await headersOf(`${K}/c?wait=true&waitIndex=1`),
            await headersOf(`${K}/c`, { method: "PATCH" }),
            await headersOf(`${open.clientUrl}/v2/machines`),
            await headersOf(`${open.clientUrl}/version`),
          ];
          assert.deepEqual(answers.map((a) => a.status), [201, 200, 404, 200, 405, 200, 200]);
          for (const a of answers) {
            assert.equal(a.allow, "*");
            assert.equal(a.methods, "POST, GET, OPTIONS, PUT, DELETE");
          }
        });
        await t.step("--cors list: a listed origin gets itself back, others and no origin get nothing", async () => {
          const K = `${listed.clientUrl}/v2/keys`;
          const ok = { headers: { origin: "http://ok.example" } };
          const bad = { headers: { origin: "http://evil.example" } };
          assert.equal((await headersOf(`${K}/c`, { ...form("1"), ...ok, headers: { ...ok.headers, "content-type": "application/x-www-form-urlencoded" } })).allow, "http://ok.example");
          assert.equal((await headersOf(`${K}/c`, ok)).allow, "http://ok.example");
          assert.equal((await headersOf(`${K}/missing`, ok)).allow, "http://ok.example");
          assert.equal((await headersOf(`${listed.clientUrl}/v2/machines`, ok)).allow, "http://ok.example");
          assert.equal((await headersOf(`${K}/c`, bad)).allow, null);
          assert.equal((await headersOf(`${K}/missing`, bad)).allow, null);
          assert.equal((await headersOf(`${K}/c`)).allow, null);
          assert.equal((await headersOf(`${listed.clientUrl}/v2/machines`, bad)).allow, null);
        });
      } finally {
        await open.stop();
        await listed.stop();
      }
    },
  });
}
