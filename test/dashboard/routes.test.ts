// /mod/dashboard/ routes and the event stream, in-process against a fake
// source and fixed assets (no member, no esbuild).

import assert from "node:assert/strict";
import { closeDashboardStreams, dashboardRoutes } from "../../server/http/dashboard.ts";
import { DashboardStream } from "../../server/http/dashboard_stream.ts";
import type { DashboardAssets } from "../../server/http/dashboard_assets.ts";
import { FakeSource } from "./fake_source.ts";
import { SseReader } from "./sse.ts";

const assets: DashboardAssets = { js: "console.log('dash')", css: "body{}", version: "abc123" };
const fixed = () => Promise.resolve(assets);

function get(app: ReturnType<typeof dashboardRoutes>, path: string, init?: RequestInit): Promise<Response> {
  return Promise.resolve(app.fetch(new Request(`http://127.0.0.1${path}`, init)));
}

Deno.test("/mod/dashboard redirects to /mod/dashboard/, keeping the query", async () => {
  const app = dashboardRoutes(new FakeSource(), { assets: fixed });
  const r = await get(app, "/mod/dashboard?x=1");
  assert.equal(r.status, 301);
  assert.equal(r.headers.get("location"), "/mod/dashboard/?x=1");
});

Deno.test("the page loads versioned script and stylesheet and forbids requests elsewhere", async () => {
  const app = dashboardRoutes(new FakeSource(), { assets: fixed });
  const r = await get(app, "/mod/dashboard/");
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type")!, /^text\/html/);
  const csp = r.headers.get("content-security-policy")!;
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /connect-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  const html = await r.text();
  assert.match(html, /<script defer src="app\.js\?v=abc123"><\/script>/);
  assert.match(html, /<link rel="stylesheet" href="app\.css\?v=abc123">/);
  assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org)/, "the page must not reference other hosts");
});

Deno.test("script and stylesheet: content types; versioned URLs are cached for good", async () => {
  const app = dashboardRoutes(new FakeSource(), { assets: fixed });
  const js = await get(app, "/mod/dashboard/app.js?v=abc123");
  assert.equal(js.status, 200);
  assert.match(js.headers.get("content-type")!, /^text\/javascript/);
  assert.match(js.headers.get("cache-control")!, /immutable/);
  assert.equal(await js.text(), assets.js);
  const css = await get(app, "/mod/dashboard/app.css");
  assert.match(css.headers.get("content-type")!, /^text\/css/);
  assert.equal(css.headers.get("cache-control"), "no-cache");
  assert.equal(await css.text(), assets.css);
  const stale = await get(app, "/mod/dashboard/app.js?v=old");
  assert.equal(stale.headers.get("cache-control"), "no-cache");
  await stale.body?.cancel();
});

Deno.test("assets that cannot be built give a 503 that says why", async () => {
  const app = dashboardRoutes(new FakeSource(), { assets: () => Promise.reject(new Error("esbuild is missing")) });
  const orig = console.error;
  console.error = () => {};
  try {
    const r = await get(app, "/mod/dashboard/");
    assert.equal(r.status, 503);
    assert.match(await r.text(), /esbuild is missing/);
  } finally {
    console.error = orig;
  }
});

Deno.test("events: the first message has the status, the terms and the history", async () => {
  const src = new FakeSource();
  const app = dashboardRoutes(src, { assets: fixed, stream: { sampleMs: 50 } });
  const r = await get(app, "/mod/dashboard/events");
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type")!, /^text\/event-stream/);
  assert.equal(r.headers.get("cache-control"), "no-cache, no-transform");
  const sse = new SseReader(r.body!);
  try {
    const first = await sse.next();
    assert.ok(sse.fields.includes("retry: 1000"), "tells EventSource to reconnect after a second");
    assert.equal(first.status.leaderId, "a1");
    assert.equal(first.status.members.length, 2);
    assert.equal((first.status as Record<string, unknown>).terms, undefined, "terms travel beside the status");
    assert.deepEqual(first.terms, src.current.terms);
    assert.deepEqual(first.samples, []);
    assert.equal(typeof first.at, "number");
  } finally {
    await sse.cancel();
  }
});

Deno.test("events: a change goes out at once; terms only when they changed", async () => {
  const src = new FakeSource();
  const stream = new DashboardStream(src, { sampleMs: 60_000, coalesceMs: 10 });
  const sse = new SseReader(stream.open().body!);
  try {
    await sse.next();
    const t0 = Date.now();
    src.change((s) => (s.commitIndex = 11));
    const m = await sse.next(2000);
    assert.ok(Date.now() - t0 < 1000, "a change is sent without waiting for the next tick");
    assert.equal(m.status.commitIndex, 11);
    assert.equal(m.terms, undefined, "unchanged terms are not sent again");
    assert.deepEqual(m.samples, []);

    src.change((s) => {
      s.terms[0].endedAt = 1_700_000_001_000;
      s.terms.push({ term: 4, leaderId: "b2", leaderName: "beta", startedAt: 1_700_000_001_200 });
      s.term = 4;
      s.leaderId = "b2";
    });
    const m2 = await sse.next(2000);
    assert.equal(m2.status.leaderId, "b2");
    assert.equal(m2.terms?.length, 2);
    assert.equal(m2.terms?.[1].leaderName, "beta");
  } finally {
    await sse.cancel();
  }
  assert.equal(stream.size, 0);
});

Deno.test("events: changes close together go out as one message", async () => {
  const src = new FakeSource();
  const stream = new DashboardStream(src, { sampleMs: 60_000, coalesceMs: 40 });
  const sse = new SseReader(stream.open().body!);
  try {
    await sse.next();
    for (let i = 11; i <= 20; i++) src.change((s) => (s.commitIndex = i));
    const m = await sse.next(2000);
    assert.equal(m.status.commitIndex, 20);
    await assert.rejects(sse.next(200), /no event-stream message/);
  } finally {
    await sse.cancel();
  }
});

Deno.test("events: a message every tick with rates from the counters, kept as history for later pages", async () => {
  const src = new FakeSource();
  const stream = new DashboardStream(src, { sampleMs: 200, historySize: 3 });
  const sse = new SseReader(stream.open().body!);
  try {
    await sse.next();
    src.current.counters = { reads: 40, writes: 20 }; // no change event: counters only move the rates
    const tick = await sse.next(2000);
    assert.equal(tick.samples.length, 1);
    // 40 reads over about 0.2 s: about 200/s (timers are not exact).
    assert.ok(tick.rates.readsPerSec > 100 && tick.rates.readsPerSec < 400, `reads/s ${tick.rates.readsPerSec}`);
    assert.ok(tick.rates.writesPerSec > 50 && tick.rates.writesPerSec < 200, `writes/s ${tick.rates.writesPerSec}`);
    assert.deepEqual(tick.samples[0], { at: tick.samples[0].at, term: 3, commitIndex: 10, ...tick.rates });
    const idle = await sse.next(2000);
    assert.equal(idle.rates.readsPerSec, 0, "no reads since the last tick");
    for (let i = 0; i < 3; i++) await sse.next(2000);

    const late = new SseReader(stream.open().body!);
    try {
      const first = await late.next();
      assert.equal(first.samples.length, 3, "a page that connects later gets the kept history");
      assert.ok(first.samples[0].at < first.samples[2].at);
    } finally {
      await late.cancel();
    }
  } finally {
    await sse.cancel();
  }
});

Deno.test("events: sampling runs only while a page is connected", async () => {
  const src = new FakeSource();
  const stream = new DashboardStream(src, { sampleMs: 20 });
  assert.equal(src.subscribers.size, 0);
  const ctrl = new AbortController();
  const sse = new SseReader(stream.open(ctrl.signal).body!);
  await sse.next();
  assert.equal(src.subscribers.size, 1);
  const second = new SseReader(stream.open().body!);
  await second.next();
  assert.equal(src.subscribeCalls, 1, "one subscription serves every page");
  await second.cancel();
  assert.equal(src.subscribers.size, 1);
  ctrl.abort(); // the page went away
  assert.equal(stream.size, 0);
  assert.equal(src.subscribers.size, 0, "unsubscribed once the last page left");
  await sse.cancel();
});

Deno.test("events: a page that stops reading is dropped instead of buffering forever", async () => {
  const src = new FakeSource();
  const stream = new DashboardStream(src, { sampleMs: 60_000, coalesceMs: 0 });
  const body = stream.open().body!; // never read
  const deadline = Date.now() + 10_000;
  while (stream.size > 0 && Date.now() < deadline) {
    src.change((s) => s.commitIndex++);
    await new Promise((r) => setTimeout(r, 1));
  }
  assert.equal(stream.size, 0);
  await body.cancel().catch(() => {});
});

Deno.test("close() ends every stream", async () => {
  const src = new FakeSource();
  const stream = new DashboardStream(src, { sampleMs: 60_000 });
  const sse = new SseReader(stream.open().body!);
  await sse.next();
  stream.close();
  await assert.rejects(sse.next(1000), /ended/);
  assert.equal(src.subscribers.size, 0);
});

Deno.test("closeDashboardStreams() ends the streams of every dashboard in the process", async () => {
  const a = dashboardRoutes(new FakeSource(), { assets: fixed, stream: { sampleMs: 60_000 } });
  const b = dashboardRoutes(new FakeSource(), { assets: fixed, stream: { sampleMs: 60_000 } });
  const sa = new SseReader((await get(a, "/mod/dashboard/events")).body!);
  const sb = new SseReader((await get(b, "/mod/dashboard/events")).body!);
  await sa.next();
  await sb.next();
  closeDashboardStreams();
  await assert.rejects(sa.next(1000), /ended/);
  await assert.rejects(sb.next(1000), /ended/);
});
