// Back-pressure on the Node server: a client that pipelines requests but
// reads none of the answers must not make the server queue answers without
// bound (2000 pipelined GETs of a 60 KB value would be 120 MB: without the
// front door's 1 MiB bound on unread answers, all 2000 are made at once);
// once it reads, every answer comes. Answers made are counted by the
// server's own metrics.

import assert from "node:assert/strict";
import { runtimesUnderTest, startServer } from "../helpers/server.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function keyGets(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const m = /etcd_http_requests_total\{[^}]*method="GET"[^}]*code="200"[^}]*\} (\d+)/.exec(text) ??
    /etcd_http_requests_total\{[^}]*code="200"[^}]*method="GET"[^}]*\} (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

Deno.test({
  name: "front door back-pressure: a client that reads no answers is not answered past a bound, then gets them all (node)",
  ignore: !runtimesUnderTest().includes("node"),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const s = await startServer({ runtime: "node" });
    const value = "v".repeat(60_000);
    const { hostname, port } = new URL(s.clientUrl);
    let conn: Deno.Conn | undefined;
    try {
      const put = await fetch(`${s.clientUrl}/v2/keys/bp`, {
        method: "PUT",
        body: new URLSearchParams({ value }),
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(put.status, 201);
      await put.body?.cancel();
      // Deno's own socket: it reads nothing until asked to.
      conn = await Deno.connect({ hostname, port: Number(port) });
      const before = await keyGets(s.clientUrl);
      const n = 2000;
      const requests = new TextEncoder().encode("GET /v2/keys/bp HTTP/1.1\r\nHost: t\r\n\r\n".repeat(n));
      for (let off = 0; off < requests.length;) off += await conn.write(requests.subarray(off));
      await sleep(700);
      // Minus one: the metrics GET itself is counted (it goes to node's server).
      const made = (await keyGets(s.clientUrl)) - before - 1;
      assert.ok(made < 400, `${made} of ${n} answers made for a client that reads none`);
      const buf = new Uint8Array(1 << 20);
      let bytes = 0;
      const deadline = Date.now() + 30_000;
      while (bytes < n * value.length && Date.now() < deadline) {
        const got = await conn.read(buf);
        if (got === null) break;
        bytes += got;
      }
      assert.ok(bytes >= n * value.length, `only ${bytes} bytes of ${n} answers arrived once the client read`);
      assert.equal(s.exitCode(), null, "the server is still running");
    } finally {
      conn?.close();
      await s.stop();
    }
  },
});
