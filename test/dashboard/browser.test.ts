// The dashboard in a real headless Chromium against a real member: it loads
// cleanly and asks nothing of other hosts, shows the member and its leader,
// writes keys, sees writes made elsewhere (tree and watch panel), renders
// light, dark and phone-sized, works by keyboard, and comes back by itself
// after the member restarts. Screenshots: test-results/dashboard/*.png.

import assert from "node:assert/strict";
import { join } from "node:path";
import { cleanup, runtimesUnderTest, startServer } from "../helpers/server.ts";
import type { V2Event, V2Node } from "../../shared/api.ts";
import { eventually, luminance, openBrowser } from "./browser.ts";

const runtime = runtimesUnderTest()[0];

async function put(base: string, key: string, params: Record<string, string>): Promise<{ status: number; node: V2Node }> {
  const r = await fetch(`${base}/v2/keys${key}`, { method: "PUT", body: new URLSearchParams(params), signal: AbortSignal.timeout(10_000) });
  return { status: r.status, node: ((await r.json()) as V2Event).node ?? {} };
}

async function get(base: string, key: string): Promise<{ status: number; node: V2Node }> {
  const r = await fetch(`${base}/v2/keys${key}`, { signal: AbortSignal.timeout(10_000) });
  return { status: r.status, node: ((await r.json()) as V2Event).node ?? {} };
}

Deno.test({
  name: `dashboard in Chromium (${runtime})`,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const srv = await startServer({ runtime });
    const base = srv.clientUrl;
    const b = await openBrowser("127.0.0.1");
    const { page } = b;
    // Chromium logs every 4xx answer as a console error; the ones a step asked for on purpose are taken off the list.
    const expectLogged = async (re: RegExp) => {
      await eventually(() => b.problems.some((p) => re.test(p)), `a logged error matching ${re}`, 5000);
      b.problems.splice(b.problems.findIndex((p) => re.test(p)), 1);
    };
    // A failing step leaves a picture of what the page showed.
    const step = (name: string, fn: () => Promise<void>) =>
      t.step(name, async () => {
        try {
          await fn();
        } catch (err) {
          await b.shot(`failed-${name.replace(/\W+/g, "-").slice(0, 60)}`).catch(() => {});
          throw err;
        }
      });
    try {
      await step("loads with no console errors and shows the member and its leader", async () => {
        await page.emulateMedia({ colorScheme: "light" });
        await page.goto(`${base}/mod/dashboard`);
        assert.equal(new URL(page.url()).pathname, "/mod/dashboard/");
        await page.locator("[data-test=member-row]").first().waitFor();
        assert.equal(await page.locator("[data-test=member-row]").count(), 1);
        const row = page.locator("[data-test=member-row]").first();
        assert.match(await row.innerText(), /test[\s\S]*leader/i);
        assert.match(await row.innerText(), new RegExp(base.replace(/[.:/]/g, "\\$&")));
        await page.locator("[data-test=stat-leader] .card-value", { hasText: "test" }).waitFor();
        await page.locator("[data-test=link-status]", { hasText: "test · leader" }).waitFor();
        await page.locator("[data-test=terms-table] tbody tr").first().waitFor();
        assert.match(await page.locator("[data-test=term-summary]").innerText(), /test has led term \d+/);
        // Let a few samples arrive for the chart before the picture.
        await page.locator("[data-test=index-chart] svg").waitFor({ timeout: 8000 });
        await b.shot("cluster-light");
        assert.deepEqual(b.problems, []);
        assert.ok(b.requests.some((u) => u.endsWith("/mod/dashboard/events")), "the status comes over the event stream");
      });

      await step("follows the system's light or dark preference, or the theme button", async () => {
        const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        assert.ok(luminance(await bg()) > 0.8, `light background ${await bg()}`);
        await page.emulateMedia({ colorScheme: "dark" });
        await eventually(async () => luminance(await bg()) < 0.05, "a dark background");
        await b.shot("cluster-dark");
        const button = page.locator("button[aria-label^='Theme']");
        await button.click(); // auto → light, whatever the system says
        await eventually(async () => luminance(await bg()) > 0.8, "forced light");
        await button.click(); // → dark
        await eventually(async () => luminance(await bg()) < 0.05, "forced dark");
        await button.click(); // → auto again
        await page.emulateMedia({ colorScheme: "light" });
        await eventually(async () => luminance(await bg()) > 0.8, "light again");
      });

      await step("creating a key in the UI makes it readable over HTTP", async () => {
        await page.keyboard.press("2");
        await page.locator("[data-test=keys-view]").waitFor();
        await page.locator("[data-test=new-key]").click();
        await page.locator("dialog input[name=path]").fill("/ui/created");
        await page.locator("dialog textarea[name=value]").fill("made in the browser");
        await b.shot("dialog-new-key");
        await page.locator("dialog button[type=submit]").click();
        await page.locator("dialog").waitFor({ state: "detached" });
        const r = await get(base, "/ui/created");
        assert.equal(r.status, 200);
        assert.equal(r.node.value, "made in the browser");
        await page.locator("[data-test=tree] [data-path='/ui/created']").waitFor();
        await page.locator("[data-test=value]", { hasText: "made in the browser" }).waitFor();
        assert.match(decodeURIComponent(page.url()), /#\/keys\/ui\/created$/);

        // "Fail if it already exists" keeps an existing key as it is.
        await page.locator("[data-test=new-key]").click();
        await page.locator("dialog input[name=path]").fill("/ui/created");
        await page.locator("dialog textarea[name=value]").fill("overwritten?");
        await page.locator("dialog button[type=submit]").click();
        await page.locator("[data-test=toast]", { hasText: "Key already exists" }).waitFor();
        await page.keyboard.press("Escape");
        await page.locator("dialog").waitFor({ state: "detached" });
        assert.equal((await get(base, "/ui/created")).node.value, "made in the browser");
        await expectLogged(/412 \(Precondition Failed\).*\/v2\/keys\/ui\/created\?/);

        // A directory from the same dialog.
        await page.locator("[data-test=new-key]").click();
        await page.locator("dialog input[type=radio]").nth(1).check();
        await page.locator("dialog input[name=path]").fill("/ui/folder");
        await page.locator("dialog button[type=submit]").click();
        await page.locator("dialog").waitFor({ state: "detached" });
        assert.equal((await get(base, "/ui/folder")).node.dir, true);
        await b.shot("keys-light");
      });

      await step("editing a value and its TTL; the TTL counts down", async () => {
        await page.locator("[data-test=tree] [data-path='/ui/created']").click();
        await page.locator("[data-test=edit]").click();
        await page.locator("textarea.value-edit").fill('{"edited": true, "replicas": 3}');
        await page.locator(".editor input[inputmode=numeric]").fill("120");
        await page.locator(".editor button[type=submit]").click();
        await page.locator(".editor").waitFor({ state: "detached" });
        const r = await get(base, "/ui/created");
        assert.equal(r.node.value, '{"edited": true, "replicas": 3}');
        const left = r.node.ttl ?? 0;
        assert.ok(left > 100 && left <= 120, `ttl ${r.node.ttl}`);
        const ttl = page.locator("[data-test=ttl]");
        await ttl.filter({ hasText: /^[12]m/ }).waitFor();
        const first = await ttl.innerText();
        await eventually(async () => (await ttl.innerText()) !== first, "the TTL to count down", 4000);
        // JSON values are shown formatted.
        assert.match(await page.locator("[data-test=value]").innerText(), /"edited": true,\n\s+"replicas": 3/);
        await b.shot("keys-edited-light");
      });

      await step("TTLs, in-order keys and deletes through the dialogs", async () => {
        // A TTL on a key, then taken off again; the value stays.
        await page.locator("#jump").fill("/ui/created");
        await page.locator("#jump").press("Enter");
        await eventually(() => page.evaluate(() => document.activeElement?.getAttribute("data-path") === "/ui/created"), "the keyboard in the tree");
        await page.keyboard.press("t");
        await page.locator("dialog input[name=ttl]").fill("300");
        await page.locator("dialog button[type=submit]").click();
        await page.locator("dialog").waitFor({ state: "detached" });
        let r = await get(base, "/ui/created");
        assert.ok((r.node.ttl ?? 0) > 290, `ttl ${r.node.ttl}`);
        await page.locator("[data-test=ttl]", { hasText: /^[45]m/ }).waitFor();
        await page.keyboard.press("t");
        await page.locator("dialog button", { hasText: "Remove TTL" }).click();
        await page.locator("dialog").waitFor({ state: "detached" });
        r = await get(base, "/ui/created");
        assert.equal(r.node.ttl, undefined);
        assert.equal(r.node.value, '{"edited": true, "replicas": 3}');
        await page.locator("[data-test=ttl]", { hasText: "never expires" }).waitFor();

        // A directory with a TTL, and an in-order key inside it.
        await page.locator("[data-test=tree] [data-path='/ui/folder']").click();
        await page.locator("button", { hasText: "TTL" }).click();
        await page.locator("dialog input[name=ttl]").fill("600");
        await page.locator("dialog button[type=submit]").click();
        await page.locator("dialog").waitFor({ state: "detached" });
        assert.ok(((await get(base, "/ui/folder")).node.ttl ?? 0) > 590);
        await page.keyboard.press("n");
        await page.locator("dialog input[type=radio]").nth(2).check();
        assert.equal(await page.locator("dialog input[name=path]").inputValue(), "/ui/folder");
        await page.locator("dialog textarea[name=value]").fill("job 1");
        await page.locator("dialog button[type=submit]").click();
        await page.locator("dialog").waitFor({ state: "detached" });
        const listing = await (await fetch(`${base}/v2/keys/ui/folder`)).json() as V2Event;
        assert.equal(listing.node?.nodes?.length, 1);
        assert.match(listing.node!.nodes![0].key!, /^\/ui\/folder\/\d{20}$/);
        assert.equal(listing.node!.nodes![0].value, "job 1");

        // Delete the key, then the directory with everything in it.
        await page.locator(`[data-test=tree] [data-path='${listing.node!.nodes![0].key}']`).click();
        await page.keyboard.press("Delete");
        await page.locator("dialog button.danger").click();
        await page.locator("dialog").waitFor({ state: "detached" });
        assert.equal((await get(base, listing.node!.nodes![0].key!)).status, 404);
        await put(base, "/ui/folder/a/b", { value: "deep" });
        await page.locator("[data-test=tree] [data-path='/ui/folder/a']").waitFor();
        await page.locator("[data-test=tree] [data-path='/ui/folder']").click();
        await page.locator("button.danger-ghost").click();
        await page.locator("dialog", { hasText: "everything below it" }).waitFor();
        await page.locator("dialog button.danger").click();
        await page.locator("dialog").waitFor({ state: "detached" });
        assert.equal((await get(base, "/ui/folder")).status, 404);
        await page.locator("[data-test=tree] [data-path='/ui/folder']").waitFor({ state: "detached" });

        // A path that does not exist can be created from where it was looked for.
        await page.locator("#jump").fill("/ui/missing");
        await page.locator("#jump").press("Enter");
        await page.locator("[data-test=detail]", { hasText: "No key at" }).waitFor();
        await page.locator("button", { hasText: "Create it" }).click();
        assert.equal(await page.locator("dialog input[name=path]").inputValue(), "/ui/missing");
        await page.keyboard.press("Escape");
        await page.locator("dialog").waitFor({ state: "detached" });
        await expectLogged(/404 \(Not Found\).*\/v2\/keys\/ui\/missing/);
      });

      await step("a key set over HTTP shows up in the watch panel and in the tree", async () => {
        await page.keyboard.press("3");
        await page.locator("input[name=watch-path]").fill("/feed");
        await page.locator("[data-test=watch-toggle]").click();
        await page.locator("[data-test=watch-status]", { hasText: "Live" }).waitFor();
        const one = await put(base, "/feed/one", { value: "first" });
        const two = await put(base, "/feed/one", { value: "second" });
        await put(base, "/feed/sub/deep", { value: "below" });
        await fetch(`${base}/v2/keys/feed/sub/deep`, { method: "DELETE" }).then((r) => r.body?.cancel());
        await eventually(async () => (await page.locator("[data-test=event]").count()) === 4, "four events");
        const rows = await page.locator("[data-test=event]").allInnerTexts();
        assert.match(rows[0], /delete[\s\S]*\/feed\/sub\/deep/);
        assert.match(rows[2], new RegExp(`set\\s+${two.node.modifiedIndex}\\s+/feed/one\\s+second\\s+first`));
        assert.match(rows[3], new RegExp(`set\\s+${one.node.modifiedIndex}\\s+/feed/one\\s+first`));
        await b.shot("watch-light");
        await page.emulateMedia({ colorScheme: "dark" });
        await b.shot("watch-dark");
        await page.emulateMedia({ colorScheme: "light" });

        // The tree follows changes made elsewhere, without a reload.
        await page.goto(`${base}/mod/dashboard/#/keys/feed`);
        await page.locator("[data-test=tree] [data-path='/feed/one']").waitFor();
        await page.locator(".live-live").waitFor();
        await put(base, "/feed/two", { value: "arrived live" });
        await page.locator("[data-test=tree] [data-path='/feed/two']", { hasText: "arrived live" }).waitFor();
        await fetch(`${base}/v2/keys/feed/one`, { method: "DELETE" }).then((r) => r.body?.cancel());
        await page.locator("[data-test=tree] [data-path='/feed/one']").waitFor({ state: "detached" });
        await page.emulateMedia({ colorScheme: "dark" });
        await b.shot("keys-live-dark");
        await page.emulateMedia({ colorScheme: "light" });
      });

      await step("a key that expires leaves the tree and says so", async () => {
        await put(base, "/feed/brief", { value: "gone soon", ttl: "2" });
        await page.locator("[data-test=tree] [data-path='/feed/brief']").click();
        await page.locator("[data-test=ttl]", { hasText: /^[12]s$/ }).waitFor();
        await page.locator("[data-test=detail]", { hasText: "This expired at index" }).waitFor({ timeout: 8000 });
        await page.locator("[data-test=tree] [data-path='/feed/brief']").waitFor({ state: "detached" });
      });

      await step("hidden keys show only when asked", async () => {
        await put(base, "/_secret", { value: "not listed" });
        await page.locator("#jump").fill("/_secret");
        await page.locator("#jump").press("Enter");
        await page.locator("[data-test=value]", { hasText: "not listed" }).waitFor();
        const row = page.locator("[data-test=tree] [data-path='/_secret']");
        await row.waitFor();
        await page.locator("label.toggle input").uncheck();
        await row.waitFor({ state: "detached" });
        await page.locator("label.toggle input").check();
        await row.waitFor();
      });

      await step("large directories page, large values are cut until asked", async () => {
        const n = 260;
        for (let i = 0; i < n; i += 20) {
          await Promise.all(Array.from({ length: Math.min(20, n - i) }, (_, j) => put(base, `/big/k${String(i + j).padStart(4, "0")}`, { value: `v${i + j}` })));
        }
        await put(base, "/bigvalue", { value: "x".repeat(300_000) });
        const t0 = Date.now();
        await page.goto(`${base}/mod/dashboard/#/keys/big`);
        await page.locator(".tree-more", { hasText: "160 more" }).waitFor();
        await page.locator(".pager", { hasText: "1–50 of 260" }).waitFor();
        assert.ok(Date.now() - t0 < 8000, "a big directory opens quickly");
        assert.equal(await page.locator(".children tbody tr").count(), 50);
        await page.locator(".filter").fill("k012");
        assert.equal(await page.locator(".children tbody tr").count(), 10);
        await page.locator(".tree-more button").click();
        await page.locator("[data-test=tree] [data-path='/big/k0259']").waitFor();
        await b.shot("keys-large-dir");
        await page.locator("#jump").fill("/bigvalue");
        await page.locator("#jump").press("Enter");
        const more = page.locator("button", { hasText: "show all" });
        await more.waitFor();
        assert.ok((await page.locator("[data-test=value]").innerText()).length <= 64 * 1024);
        await more.click();
        await eventually(async () => (await page.locator("[data-test=value]").innerText()).length === 300_000, "the whole value");
      });

      await step("keyboard: shortcuts, the tree's arrow keys, the path box", async () => {
        await page.goto(`${base}/mod/dashboard/#/keys/ui`);
        await page.locator("[data-test=tree] [data-path='/ui/created']").waitFor();
        await page.locator("[data-test=tree] [data-path='/ui']").focus();
        await page.keyboard.press("ArrowDown");
        await eventually(() => decodeURIComponent(page.url()).endsWith("#/keys/ui/created"), "the selection to move down");
        await page.keyboard.press("ArrowLeft"); // to the parent directory
        await eventually(() => decodeURIComponent(page.url()).endsWith("#/keys/ui"), "the selection to go to the parent");
        await page.keyboard.press("ArrowLeft"); // closes it
        await page.locator("[data-test=tree] [data-path='/ui/created']").waitFor({ state: "detached" });
        await page.keyboard.press("ArrowRight"); // opens it
        await page.locator("[data-test=tree] [data-path='/ui/created']").waitFor();
        await page.keyboard.press("?");
        await page.locator("dialog", { hasText: "Keyboard shortcuts" }).waitFor();
        await page.emulateMedia({ colorScheme: "dark" });
        await b.shot("dialog-help-dark");
        await page.emulateMedia({ colorScheme: "light" });
        await page.keyboard.press("Escape");
        await page.locator("dialog").waitFor({ state: "detached" });
        await page.keyboard.press("/");
        await eventually(async () => (await page.evaluate(() => document.activeElement?.id)) === "jump", "the path box to have the keyboard");
        await page.keyboard.type("/feed/two");
        await page.keyboard.press("Enter");
        await page.locator("[data-test=value]", { hasText: "arrived live" }).waitFor();
        await page.keyboard.press("Escape");
        await page.keyboard.press("1");
        await page.locator("[data-test=cluster-view]").waitFor();
      });

      await step("fits a phone-sized screen", async () => {
        await page.setViewportSize({ width: 390, height: 844 });
        for (const [view, hash] of [["cluster", "#/cluster"], ["keys", "#/keys/ui/created"], ["watch", "#/watch"]]) {
          await page.goto(`${base}/mod/dashboard/${hash}`);
          await page.locator(`[data-test=${view}-view]`).waitFor();
          if (view === "keys") await page.locator("[data-test=value]").waitFor();
          if (view === "cluster") await page.locator("[data-test=member-row]").waitFor();
          const wide = await page.evaluate(() => document.documentElement.scrollWidth);
          assert.ok(wide <= 391, `${view} is ${wide}px wide on a 390px screen`);
          await b.shot(`phone-${view}-light`);
        }
        await page.emulateMedia({ colorScheme: "dark" });
        await page.goto(`${base}/mod/dashboard/#/cluster`);
        await page.locator("[data-test=member-row]").waitFor();
        await b.shot("phone-cluster-dark");
        await page.emulateMedia({ colorScheme: "light" });
        await page.setViewportSize({ width: 1366, height: 860 });
        assert.deepEqual(b.problems, [], "no console errors, nothing fetched from elsewhere");
      });

      await step("says so when the member goes away, and picks up by itself when it is back", async () => {
        await page.goto(`${base}/mod/dashboard/#/keys/feed`);
        await page.locator("[data-test=tree] [data-path='/feed/two']").waitFor();
        await page.locator(".live-live").waitFor();
        await srv.stop();
        await page.locator("[data-test=banner-lost]").waitFor({ timeout: 10_000 });
        await b.shot("member-lost");
        await srv.restart();
        await page.locator("[data-test=banner-lost]").waitFor({ state: "detached", timeout: 20_000 });
        await page.locator("[data-test=link-status]", { hasText: "leader" }).waitFor();
        await put(base, "/feed/after-restart", { value: "still live" });
        await page.locator("[data-test=tree] [data-path='/feed/after-restart']").waitFor({ timeout: 15_000 });
        // The watch panel's watch kept going too.
        await page.keyboard.press("3");
        await page.locator("[data-test=event]", { hasText: "after-restart" }).waitFor({ timeout: 15_000 });
        const stray = b.problems.filter((p) => !/ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_CONNECTION_RESET|ERR_INCOMPLETE_CHUNKED|Failed to load resource/.test(p));
        assert.deepEqual(stray, [], "only the expected connection errors while the member was down");
      });
    } finally {
      await b.close();
      await srv.stop();
      cleanup(join(srv.dataDir, ".."));
    }
  },
});

// The other runtimes serve the same page from their own build (the Node
// bundle embeds it): it must load just as cleanly.
for (const other of runtimesUnderTest().slice(1)) {
  Deno.test({
    name: `dashboard in Chromium loads cleanly from the ${other} build`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const srv = await startServer({ runtime: other });
      const b = await openBrowser("127.0.0.1");
      try {
        await b.page.goto(`${srv.clientUrl}/mod/dashboard/`);
        await b.page.locator("[data-test=member-row]", { hasText: "test" }).waitFor();
        await b.page.locator("[data-test=link-status]", { hasText: "test · leader" }).waitFor();
        await b.page.keyboard.press("2");
        await b.page.locator("[data-test=tree] [data-path='/']").waitFor();
        await b.page.locator(".live-live").waitFor();
        await b.shot(`${other}-cluster-keys`);
        assert.deepEqual(b.problems, []);
      } finally {
        await b.close();
        await srv.stop();
        cleanup(join(srv.dataDir, ".."));
      }
    },
  });
}
