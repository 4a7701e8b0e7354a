// The dashboard as a real member serves it, under Deno from source (assets
// built on first request) and under Node from dist/etcd.js (assets embedded).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dashboardAssets } from "../../server/http/dashboard_assets.ts";
import { root } from "../helpers/cluster.ts";
import { cleanup, runtimesUnderTest, startServer } from "../helpers/server.ts";
import { SseReader } from "./sse.ts";

/** URLs a page would fetch from elsewhere; SVG's namespace URI is only a name. */
function foreignUrls(text: string): string[] {
  return [...text.matchAll(/https?:\/\/[^\s"'`)]+/g)].map((m) => m[0]).filter((u) => !u.startsWith("http://www.w3.org/"));
}

for (const runtime of runtimesUnderTest()) {
  Deno.test({
    name: `${runtime}: /mod/dashboard/ serves the page, its assets and a live event stream`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const srv = await startServer({ runtime });
      const base = `${srv.clientUrl}/mod/dashboard`;
      try {
        const redirect = await fetch(base, { redirect: "manual" });
        await redirect.body?.cancel();
        assert.equal(redirect.status, 301);
        assert.equal(redirect.headers.get("location"), "/mod/dashboard/");

        const page = await fetch(`${base}/`);
        const html = await page.text();
        assert.equal(page.status, 200);
        const version = html.match(/app\.js\?v=([0-9a-f]+)/)?.[1];
        assert.ok(version, "the page names a versioned script");

        const js = await fetch(`${base}/app.js?v=${version}`);
        const jsText = await js.text();
        assert.equal(js.status, 200);
        assert.ok(jsText.length > 10_000 && jsText.includes("EventSource"), "the bundled app");
        assert.deepEqual(foreignUrls(jsText), [], "the script names no other host");
        const css = await fetch(`${base}/app.css?v=${version}`);
        const cssText = await css.text();
        assert.ok(cssText.includes("prefers-color-scheme"));
        assert.deepEqual(foreignUrls(cssText), [], "no web fonts or remote images");

        const missing = await fetch(`${base}/nope`);
        await missing.body?.cancel();
        assert.equal(missing.status, 404);

        const events = await fetch(`${base}/events`);
        assert.match(events.headers.get("content-type") ?? "", /^text\/event-stream/);
        const sse = new SseReader(events.body!);
        try {
          const first = await sse.next();
          const me = first.status.members.find((m) => m.id === first.status.self.id);
          assert.equal(me?.name, "test");
          assert.equal(me?.state, "leader");
          assert.deepEqual(me?.clientURLs, [srv.clientUrl]);
          assert.equal(first.status.leaderId, first.status.self.id);
          assert.ok(first.status.term >= 1);
          assert.equal(first.terms?.at(-1)?.leaderName, "test");
          assert.equal(first.terms?.at(-1)?.endedAt, undefined);

          // A write shows up as a change right away, then in the rates.
          const before = first.status.commitIndex;
          const put = await fetch(`${srv.clientUrl}/v2/keys/dash/a`, { method: "PUT", body: new URLSearchParams({ value: "1" }) });
          await put.body?.cancel();
          assert.equal(put.status, 201);
          const changed = await sse.until((m) => m.status.commitIndex > before, 3000);
          assert.ok(changed.status.appliedIndex >= changed.status.commitIndex - 1);
          const rated = await sse.until((m) => m.rates.writesPerSec > 0, 4000);
          assert.ok(rated.samples.length <= 1);
          // A watch open on the member is counted.
          const watch = fetch(`${srv.clientUrl}/v2/keys/dash?wait=true&recursive=true`);
          await sse.until((m) => m.status.watchers >= 1, 4000);
          const put2 = await fetch(`${srv.clientUrl}/v2/keys/dash/b`, { method: "PUT", body: new URLSearchParams({ value: "2" }) });
          await put2.body?.cancel();
          await (await watch).text();
        } finally {
          await sse.cancel();
        }

        // The keys API next to it is untouched.
        const got = await (await fetch(`${srv.clientUrl}/v2/keys/dash/a`)).json();
        assert.equal(got.node.value, "1");
      } finally {
        await srv.stop();
        cleanup(join(srv.dataDir, ".."));
      }
    },
  });
}

Deno.test({
  name: "from source, the assets are built on first use: a script and a stylesheet that ask for nothing elsewhere",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const a = await dashboardAssets();
    assert.ok(a.js.length > 10_000);
    assert.ok(a.css.includes(".tree-row"));
    assert.match(a.version, /^[0-9a-f]{12}$/);
    assert.deepEqual(foreignUrls(a.js), []);
    assert.deepEqual(foreignUrls(a.css), []);
    assert.equal(await dashboardAssets(), a, "built once, then kept");
  },
});

Deno.test("dist/etcd.js carries the dashboard inside it and never builds it at run time", () => {
  const bundle = readFileSync(join(root, "dist/etcd.js"), "utf8");
  assert.ok(bundle.includes(".tree-row{"), "the stylesheet is embedded");
  assert.ok(bundle.includes("EventSource"), "the script is embedded");
  assert.ok(!/from\s*["']esbuild["']/.test(bundle), "esbuild is not part of the server bundle");
});
