// The raft stream between members, end to end over loopback: a PeerStream
// writing to the peer app's /raft/stream on a real listener. Batches arrive
// in order; another cluster's stream, a removed member's stream and a
// malformed line are refused with the status the sender acts on; a listener
// without the endpoint makes the sender fall back to POSTs.

import assert from "node:assert/strict";
import { Hono } from "hono";
import type { V2Member } from "../../shared/api.ts";
import { PeerStream, STREAM_PATH } from "../../server/cluster/peer_stream.ts";
import { closePeerStreams, createPeerApp, type PeerBackend } from "../../server/http/peer.ts";
import type { Message } from "../../server/raft/mod.ts";
import { serve } from "../../server/runtime/serve.ts";

class FakeBackend implements PeerBackend {
  readonly clusterId = "c1";
  readonly memberId = "m1";
  got: Message[] = [];
  removed = new Set<string>();
  members(): V2Member[] {
    return [];
  }
  receive(msgs: Message[], fromCluster: string | null, from: string | null): void {
    if (fromCluster !== null && fromCluster !== this.clusterId) throw Object.assign(new Error("cluster ID mismatch"), { status: 412 });
    if (from && this.removed.has(from)) throw Object.assign(new Error("removed"), { status: 410 });
    this.got.push(...msgs);
  }
  join(): Promise<V2Member> {
    throw new Error("not here");
  }
  updateMember(): Promise<void> {
    return Promise.resolve();
  }
}

const heartbeat = (i: number): Message => ({ type: "heartbeat", to: "m1", from: "m2", term: i });

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function open(url: string, clusterId = "c1", from = "m2") {
  const closes: { status: number | null; reason: string }[] = [];
  let opened = 0;
  const s = new PeerStream({ url, clusterId, from }, {
    onOpen: () => opened++,
    onClose: (status, reason) => closes.push({ status, reason }),
  });
  s.open();
  return { s, closes, opened: () => opened };
}

Deno.test("raft streams: batches arrive in order; refusals come back as statuses", async (t) => {
  const b = new FakeBackend();
  const app = createPeerApp(b);
  const l = await serve({ hostname: "127.0.51.1", port: 0, fetch: app.fetch, longRequests: true });
  const url = `http://127.0.51.1:${l.port}`;
  try {
    await t.step("1000 batches over one connection, in order", async () => {
      const { s, closes, opened } = open(url);
      for (let i = 0; i < 1000; i++) assert.equal(s.send([heartbeat(i), heartbeat(i)]), true);
      await until(() => b.got.length === 2000, "2000 messages");
      assert.deepEqual(b.got.filter((_, i) => i % 2 === 0).map((m) => m.term), [...Array(1000).keys()]);
      assert.equal(opened(), 1);
      assert.deepEqual(closes, []);
      s.close();
    });
    await t.step("another cluster's stream: 412", async () => {
      const { closes } = open(url, "other");
      await until(() => closes.length === 1, "the refusal");
      assert.equal(closes[0].status, 412);
    });
    await t.step("a removed member's stream: 410", async () => {
      b.removed.add("m9");
      const { closes } = open(url, "c1", "m9");
      await until(() => closes.length === 1, "the refusal");
      assert.equal(closes[0].status, 410);
    });
    await t.step("a line that is not a JSON array: 400, earlier lines stepped", async () => {
      b.got = [];
      const { s, closes } = open(url);
      s.send([heartbeat(7)]);
      // deno-lint-ignore no-explicit-any
      (s as any).socket.write("5\r\nnope\n\r\n");
      await until(() => closes.length === 1, "the refusal");
      assert.equal(closes[0].status, 400);
      assert.deepEqual(b.got.map((m) => m.term), [7]);
      assert.equal(s.state, "broken");
      assert.equal(s.send([heartbeat(8)]), false);
    });
    await t.step("a stopping member ends open streams (204), its listener closes promptly", async () => {
      const { s, closes } = open(url);
      s.send([heartbeat(1)]);
      await until(() => b.got.some((m) => m.term === 1), "the batch");
      closePeerStreams();
      await until(() => closes.length === 1, "the end of the stream");
      assert.equal(closes[0].status, 204);
    });
  } finally {
    const closing = l.close();
    const bounded = await Promise.race([closing.then(() => true), new Promise((r) => setTimeout(() => r(false), 3000))]);
    assert.equal(bounded, true, "listener closed within 3 s");
  }
});

Deno.test("raft streams: a peer without the endpoint (404) marks the stream unsupported; a dead peer breaks it", async () => {
  const app = new Hono();
  app.post("/raft", () => new Response(null, { status: 204 }));
  const l = await serve({ hostname: "127.0.51.2", port: 0, fetch: app.fetch });
  try {
    const { s, closes } = open(`http://127.0.51.2:${l.port}`);
    s.send([heartbeat(1)]);
    await until(() => closes.length === 1, "the answer");
    assert.equal(closes[0].status, 404);
    assert.equal(s.state, "unsupported");
  } finally {
    await l.close();
  }
  const { closes } = open(`http://127.0.51.2:${l.port}`);
  await until(() => closes.length === 1, "the connection error");
  assert.equal(closes[0].status, null);
  assert.match(closes[0].reason, /ECONNREFUSED|refused|closed/i);
  assert.equal(STREAM_PATH, "/raft/stream");
});

Deno.test("raft streams: a line beyond the limit is refused (413) without buffering more; big batches are split to fit", async () => {
  const b = new FakeBackend();
  const app = createPeerApp(b);
  const l = await serve({ hostname: "127.0.51.3", port: 0, fetch: app.fetch, longRequests: true });
  try {
    const url = `http://127.0.51.3:${l.port}`;
    // 40 messages of ~1 MiB each: one line would be ~40 MiB, so it goes as several.
    const big = (i: number): Message => ({ ...heartbeat(i), context: "x".repeat(1024 * 1024) });
    const ok = open(url);
    ok.s.send(Array.from({ length: 40 }, (_, i) => big(i)));
    await until(() => b.got.length === 40, "40 big messages", 20_000);
    assert.deepEqual(b.got.map((m) => m.term), [...Array(40).keys()]);
    assert.deepEqual(ok.closes, []);
    ok.s.close();
    // A hostile peer: one endless line with no newline.
    const bad = open(url);
    const mib = "y".repeat(1024 * 1024);
    // deno-lint-ignore no-explicit-any
    const sock = (bad.s as any).socket;
    for (let i = 0; i < 70 && bad.closes.length === 0; i++) {
      sock.write(`${(mib.length).toString(16)}\r\n${mib}\r\n`);
      await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => bad.closes.length === 1, "the refusal", 20_000);
    assert.equal(bad.closes[0].status, 413);
  } finally {
    await l.close();
  }
});
