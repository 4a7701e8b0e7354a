// The front door in-process (server/http/http1_front.ts), with a toy route:
// who it answered lately (which picks how the WAL syncs) counts plain
// answers, not watches or light reads; and a handed-over connection is answered by node's
// server, in order.

import assert from "node:assert/strict";
import * as http from "node:http";
import * as net from "node:net";
import { type Http1Feed, type Http1RouteAnswer, type Http1Sink, serveConnection } from "../../server/http/http1_front.ts";
import { resetClientLoad, SOLE_CLIENT_WINDOW_MS, soleClient } from "../../server/runtime/client_load.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await sleep(10);
  assert.ok(ok(), what);
}

/** A feed the test ends by hand. */
class ManualFeed implements Http1Feed {
  sink: Http1Sink | undefined;
  closed = false;
  attach(sink: Http1Sink): void {
    this.sink = sink;
  }
  close(): void {
    this.closed = true;
  }
}

Deno.test({
  name: "front door: who was answered lately, watches, hand-over to node's server, answers in order",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const feeds: ManualFeed[] = [];
    const fallback = http.createServer((req, res) => {
      const body = `node:${req.url}`;
      res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": String(body.length) });
      res.end(body);
    });
    const front = net.createServer({ allowHalfOpen: true }, (socket) =>
      serveConnection(socket, {
        fallback,
        maxHeadBytes: 8192,
        internalError: (err) => ({ status: 500, headers: {}, body: String(err) }),
        route: (h) => {
          if (!h.target.startsWith("/x") && h.target !== "/w" && h.target !== "/l") return null;
          return async (body): Promise<Http1RouteAnswer> => {
            if (h.target === "/w") {
              const feed = new ManualFeed();
              feeds.push(feed);
              return { status: 200, headers: {}, body: null, feed };
            }
            // "/l" stands for a cluster read such as a stats poll: answered, but not load.
            const light = h.target === "/l";
            return { status: 200, headers: { "Content-Type": "text/plain" }, body: `front:${h.target}:${await body()}`, light };
          };
        },
      }));
    await new Promise<void>((r) => front.listen(0, "127.0.0.1", r));
    const port = (front.address() as net.AddressInfo).port;
    resetClientLoad();
    const socks: net.Socket[] = [];
    const open = async () => {
      const s = net.connect(port, "127.0.0.1");
      await new Promise((r) => s.once("connect", r));
      socks.push(s);
      let got = "";
      s.on("data", (d) => (got += d.toString("latin1")));
      return { s, text: () => got };
    };
    try {
      const a = await open();
      const b = await open();
      assert.equal(soleClient(), false, "nobody answered yet");

      // Pipelined: front, node, front. The third waits its turn, and after the
      // hand-over node's server answers everything on that connection.
      a.s.write("PUT /x1 HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabcGET /other HTTP/1.1\r\nHost: t\r\n\r\nGET /x2 HTTP/1.1\r\nHost: t\r\n\r\n");
      await until("three answers on a", () => (a.text().match(/HTTP\/1\.1 200/g) ?? []).length === 3);
      // Each answer's body follows its blank line and runs up to the next status line.
      const order = a.text().split("HTTP/1.1 ").slice(1).map((r) => r.slice(r.indexOf("\r\n\r\n") + 4));
      assert.deepEqual(order, ["front:/x1:abc", "node:/other", "node:/x2"]);
      assert.equal(soleClient(), true, "only a was answered by the front (node's answers are not its)");

      // A connection waiting on a watch cannot send a request: not counted.
      b.s.write("GET /w HTTP/1.1\r\nHost: t\r\n\r\n");
      await until("the watch started", () => feeds.length === 1 && feeds[0].sink !== undefined);
      assert.match(b.text(), /Transfer-Encoding: chunked/);
      feeds[0].sink!.write(new TextEncoder().encode("ev1"));
      feeds[0].sink!.end(new TextEncoder().encode("ev2"));
      await until("the chunks and the end arrived", () => b.text().endsWith("0\r\n\r\n"));
      assert.ok(b.text().includes("3\r\nev1\r\n3\r\nev2\r\n0\r\n\r\n"), JSON.stringify(b.text()));
      assert.equal(soleClient(), true, "a watch's answer does not make b a loading client");

      // The same connection goes on after the watch.
      b.s.write("GET /x3 HTTP/1.1\r\nHost: t\r\n\r\n");
      await until("answered after the watch", () => b.text().includes("front:/x3:"));
      await sleep(SOLE_CLIENT_WINDOW_MS + 5);
      const c = await open();
      c.s.write("GET /x4 HTTP/1.1\r\nHost: t\r\n\r\n");
      await until("c answered", () => c.text().includes("front:/x4:"));
      assert.equal(soleClient(), true, "a and b went quiet: c is the sole client");
      b.s.write("GET /l HTTP/1.1\r\nHost: t\r\n\r\n");
      await until("b's light read answered", () => b.text().includes("front:/l:"));
      assert.equal(soleClient(), true, "a light answer to b does not make the server shared");
      // Answered together: the window is far longer than two answers take,
      // but a loaded machine may stall between them, so allow a few tries.
      let shared = false;
      for (let attempt = 0; attempt < 5 && !shared; attempt++) {
        const answeredTogether = new Promise<void>((r) => {
          let n = 0;
          const one = () => ++n === 2 && r();
          b.s.once("data", one);
          c.s.once("data", one);
        });
        b.s.write(`GET /x5-${attempt} HTTP/1.1\r\nHost: t\r\n\r\n`);
        c.s.write(`GET /x6-${attempt} HTTP/1.1\r\nHost: t\r\n\r\n`);
        await answeredTogether;
        shared = !soleClient();
      }
      assert.ok(shared, "c and b both answered lately");

      // A client that goes away mid-watch closes the feed.
      b.s.write("GET /w HTTP/1.1\r\nHost: t\r\n\r\n");
      await until("second watch", () => feeds.length === 2 && feeds[1].sink !== undefined);
      b.s.destroy();
      await until("feed closed when the client left", () => feeds[1].closed);
      a.s.destroy();
    } finally {
      for (const s of socks) s.destroy();
      await new Promise((r) => front.close(r));
      fallback.close();
    }
  },
});
