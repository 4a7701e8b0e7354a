// The peer proxy tells links apart by the sender's x-server-from header and
// cuts, drops or delays one link without touching the others.

import assert from "node:assert/strict";
import http from "node:http";
import { PeerProxy } from "../../tools/reliability/proxy.ts";

const HOST = "127.0.45.1";

/** One POST on a fresh connection (as a member's own connections would be). */
function post(from: string, timeoutMs = 1500): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port: 2390, path: "/raft", method: "POST", agent: false, headers: { "X-Server-From": from }, timeout: timeoutMs }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve(body));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end("hello");
  });
}

async function fails(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return false;
  } catch {
    return true;
  }
}

Deno.test({
  name: "peer proxy: cut, drop and delay apply per link, and heal",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const upstream = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => res.end(`got ${body} from ${req.headers["x-server-from"]}`));
    });
    await new Promise<void>((r) => upstream.listen(2380, HOST, () => r()));
    const proxy = new PeerProxy([{ name: "b", listenHost: HOST, listenPort: 2390, upstreamHost: HOST, upstreamPort: 2380 }]);
    await proxy.start();
    proxy.learn([{ id: "a1", name: "a" }, { id: "b2", name: "b" }, { id: "c3", name: "c" }]);
    try {
      assert.equal(await post("a1"), "got hello from a1");

      proxy.set("a", "b", { cut: true });
      assert.ok(await fails(post("a1")), "a -> b is cut");
      assert.equal(await post("c3"), "got hello from c3", "c -> b still flows");

      proxy.set("a", "b", { drop: true });
      assert.ok(await fails(post("a1", 500)), "a -> b drops silently (the request times out)");
      assert.equal(await post("c3"), "got hello from c3");

      proxy.healAll();
      assert.equal(await post("a1"), "got hello from a1");

      proxy.set("c", "b", { delayMs: 150 });
      const t0 = performance.now();
      assert.equal(await post("c3"), "got hello from c3");
      assert.ok(performance.now() - t0 >= 140, "c -> b is delayed");
      proxy.healAll();
      assert.ok(proxy.effects["a>b cut"] > 0 && proxy.effects["a>b dropped"] > 0 && proxy.effects["c>b delayed"] > 0);
    } finally {
      await proxy.stop();
      await new Promise((r) => upstream.close(r));
    }
  },
});
