// The read-only cluster endpoints (version, health, machines, leader,
// members, stats) on each runtime. On Node the HTTP/1.1 front door answers
// the plain GETs itself, and the Hono app answers the same paths with a
// query string; a client must not be able to tell them apart: the same
// status, headers (CORS ones included) and body, and each is counted in
// the request metrics.

import assert from "node:assert/strict";
import { call, type Reply } from "../helpers/http.ts";
import { runtimesUnderTest, startServer } from "../helpers/server.ts";

const PATHS = [
  "/version",
  "/health",
  "/v2/machines",
  "/v2/leader",
  "/v2/members",
  "/v2/members/leader",
  "/v2/stats/store",
  "/v2/stats/self",
  "/v2/stats/leader",
];

/** Status, headers but Date and Content-Length, and the body with the uptime (which moves) taken out. */
function shape(r: Reply): unknown {
  const headers: Record<string, string> = {};
  r.headers.forEach((v, k) => {
    if (k !== "date" && k !== "content-length") headers[k] = v;
  });
  const body = r.text.replace(/"uptime":"[^"]*"/, '"uptime":"-"');
  return { status: r.status, headers, body };
}

/** The metrics' count of GETs answered with `code`. */
async function answeredGets(url: string, code: number): Promise<number> {
  const text = (await call("GET", `${url}/metrics`)).text;
  const m = new RegExp(`^etcd_http_requests_total\\{[^}]*method="GET"[^}]*code="${code}"[^}]*\\} (\\d+)`, "m").exec(text) ??
    new RegExp(`^etcd_http_requests_total\\{[^}]*code="${code}"[^}]*method="GET"[^}]*\\} (\\d+)`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}

for (const runtime of runtimesUnderTest()) {
  Deno.test({
    name: `cluster read endpoints on ${runtime}: plain GETs answer as the app does`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const open = await startServer({ runtime });
      const listed = await startServer({ runtime, args: ["--cors", "http://ok.example"] });
      try {
        await call("PUT", `${open.clientUrl}/v2/keys/a`, { value: "1" });
        for (const path of PATHS) {
          await t.step(`GET ${path}`, async () => {
            const plain = await call("GET", `${open.clientUrl}${path}`);
            const viaApp = await call("GET", `${open.clientUrl}${path}?from=app`);
            assert.deepEqual(shape(plain), shape(viaApp));
            assert.ok(plain.status === 200, `${path}: ${plain.status} ${plain.text}`);
            // Every client gets etcd 3.4's default CORS headers.
            assert.equal(plain.headers.get("access-control-allow-origin"), "*");
          });
        }

        await t.step("the answers carry what clients read", async () => {
          const store = (await call("GET", `${open.clientUrl}/v2/stats/store`)).json;
          assert.ok(store.setsSuccess >= 1, JSON.stringify(store));
          const self = (await call("GET", `${open.clientUrl}/v2/stats/self`)).json;
          assert.equal(self.name, "test");
          assert.equal(self.state, "StateLeader");
          const members = await call("GET", `${open.clientUrl}/v2/members`);
          assert.equal(members.json.members.length, 1);
          assert.match(members.headers.get("x-etcd-cluster-id") ?? "", /^[0-9a-f]+$/);
          assert.equal((await call("GET", `${open.clientUrl}/v2/machines`)).text, open.clientUrl);
          assert.equal((await call("GET", `${open.clientUrl}/v2/leader`)).text, open.peerUrl);
        });

        await t.step("with --cors, only a listed origin gets the headers, on both sides", async () => {
          for (const suffix of ["", "?from=app"]) {
            const ok = await call("GET", `${listed.clientUrl}/v2/stats/self${suffix}`, undefined, { headers: { Origin: "http://ok.example" } });
            assert.equal(ok.headers.get("access-control-allow-origin"), "http://ok.example");
            assert.match(ok.headers.get("access-control-allow-methods") ?? "", /PUT/);
            const other = await call("GET", `${listed.clientUrl}/v2/stats/self${suffix}`, undefined, { headers: { Origin: "http://no.example" } });
            assert.equal(other.status, 200);
            assert.equal(other.headers.get("access-control-allow-origin"), null);
          }
        });

        await t.step("each answer is counted in the request metrics", async () => {
          const before = await answeredGets(open.clientUrl, 200);
          for (let i = 0; i < 5; i++) await call("GET", `${open.clientUrl}/v2/stats/store`);
          // The /metrics GET of the first count is itself counted once it is answered.
          assert.equal(await answeredGets(open.clientUrl, 200), before + 6);
        });

        await t.step("HEAD and other methods still get the app's answers", async () => {
          const head = await fetch(`${open.clientUrl}/v2/stats/store`, { method: "HEAD" });
          await head.body?.cancel();
          assert.equal(head.status, 200);
          const post = await call("POST", `${open.clientUrl}/v2/stats/store`, "x=1");
          assert.equal(post.status, 404);
        });
      } finally {
        await open.stop();
        await listed.stop();
      }
    },
  });
}
