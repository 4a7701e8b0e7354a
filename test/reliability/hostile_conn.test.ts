// Hostile input at the connection level, over raw sockets, on both runtimes:
// framing an HTTP client would never send (both Content-Length and
// Transfer-Encoding, two lengths, broken chunking), garbage bytes, slow
// partial requests, and a couple of thousand idle connections. After each
// the member still serves correct answers, and nothing smuggled got written.

import assert from "node:assert/strict";
import net from "node:net";
import { rawExchange, request } from "../../tools/reliability/raw_http.ts";
import { StopWaiting, waitFor } from "../helpers/ports.ts";
import { runtimesUnderTest } from "../helpers/server.ts";
import { assertServes, CANARY, CANARY_VALUE, type Single, startSingle } from "./hostile_support.ts";

const SMUGGLED = "/hostile/smuggled";

async function assertNotSmuggled(s: Single): Promise<void> {
  const r = await fetch(`${s.clientUrl}/v2/keys${SMUGGLED}`, { signal: AbortSignal.timeout(5000) });
  await r.body?.cancel();
  assert.equal(r.status, 404, "a request hidden in a body must not have been run");
}

const smuggle = `PUT /v2/keys${SMUGGLED}?value=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n`;

/** Framing cases: none may be answered with a 2xx, nor run a second request hidden in the body. */
const framing: { name: string; send: string }[] = [
  {
    name: "Content-Length and Transfer-Encoding both",
    send: "PUT /v2/keys/hostile/clte HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n" +
      "Content-Type: application/x-www-form-urlencoded\r\n\r\n0\r\n\r\n" + smuggle,
  },
  {
    name: "two different Content-Lengths",
    send: "PUT /v2/keys/hostile/cl2 HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\nContent-Length: 0\r\n" +
      "Content-Type: application/x-www-form-urlencoded\r\n\r\nvalue=1" + smuggle,
  },
  {
    name: "an obfuscated Transfer-Encoding",
    send: "PUT /v2/keys/hostile/te HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\nContent-Length: 3\r\n\r\nabc" + smuggle,
  },
  {
    name: "an invalid chunk size",
    send: "PUT /v2/keys/hostile/chunk HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nvalue=1\r\n0\r\n\r\n" + smuggle,
  },
  { name: "a negative Content-Length", send: "PUT /v2/keys/hostile/neg HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n" + smuggle },
  { name: "garbage bytes", send: "\x00\xff\xfe\x16\x03\x01garbage\r\n\r\n" },
  { name: "a TLS hello on the plain port", send: "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + "\x00".repeat(64) },
  { name: "a request line without a version", send: "GET /v2/keys\r\n\r\n" },
  { name: "headers of 1 MiB", send: `GET /v2/keys${CANARY} HTTP/1.1\r\nHost: h\r\nX-Big: ${"a".repeat(1024 * 1024)}\r\n\r\n` },
  { name: "a header line without a colon", send: `GET /v2/keys${CANARY} HTTP/1.1\r\nHost: h\r\nno colon here\r\n\r\n` },
];

/** Opens n connections; every other one sends half a request and stops. */
async function openIdle(host: string, port: number, n: number): Promise<net.Socket[]> {
  const socks: net.Socket[] = [];
  await Promise.all(Array.from({ length: n }, (_, i) =>
    new Promise<void>((res, rej) => {
      const s = net.connect(port, host, () => {
        if (i % 2) s.write(`GET /v2/keys${CANARY} HTTP/1.1\r\nHost: h\r\n`);
        res();
      });
      s.on("error", rej);
      socks.push(s);
    })));
  return socks;
}

/** Sends a complete request a few bytes at a time; returns the answer's status line. */
function dribble(host: string, port: number, data: string, pieces: number, gapMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host);
    let out = "";
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`no answer to a slow request; got ${JSON.stringify(out)}`)); }, 15_000);
    s.on("data", (d) => {
      out += d;
      if (out.includes("\r\n\r\n")) {
        clearTimeout(timer);
        s.destroy();
        resolve(out.split("\r\n")[0]);
      }
    });
    s.on("error", (e) => { clearTimeout(timer); reject(e); });
    s.on("connect", async () => {
      const size = Math.ceil(data.length / pieces);
      for (let i = 0; i < data.length; i += size) {
        s.write(data.slice(i, i + size));
        await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

for (const runtime of runtimesUnderTest()) {
  Deno.test({
    name: `hostile connections (${runtime}): bad framing, slow and idle connections do not stop the member`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const s = await startSingle(runtime, runtime === "deno" ? "127.0.60.3" : "127.0.60.4");
      try {
        for (const c of framing) {
          await t.step(c.name, async () => {
            const a = await rawExchange(s.host, s.clientPort, c.send, { timeoutMs: 3000 });
            // Refused (4xx), or the connection closed/left unanswered; never a success.
            assert.ok(a.status === null || (a.status >= 400 && a.status < 500), `answer: ${a.raw.slice(0, 200)}`);
            await assertNotSmuggled(s);
            await assertServes(s.clientUrl, c.name);
          });
        }

        await t.step("slow partial requests (slowloris) do not block others, and a slow request completes", async () => {
          const stuck = await openIdle(s.host, s.clientPort, 50);
          try {
            await assertServes(s.clientUrl, "50 stalled requests");
            const slow = request("PUT", "/v2/keys/hostile/slow", {
              headers: { "Content-Type": "application/x-www-form-urlencoded" },
              body: "value=arrived",
            });
            const [status] = await Promise.all([dribble(s.host, s.clientPort, slow, 20, 40), assertServes(s.clientUrl, "a slow request in flight")]);
            assert.match(status, /^HTTP\/1\.1 20[01]/);
            const got = await (await fetch(`${s.clientUrl}/v2/keys/hostile/slow`)).json();
            assert.equal(got.node.value, "arrived");
          } finally {
            for (const c of stuck) c.destroy();
          }
        });

        await t.step("2000 idle connections, half with a partial request", async () => {
          const idle = await openIdle(s.host, s.clientPort, 2000);
          try {
            await assertServes(s.clientUrl, "2000 idle connections");
          } finally {
            for (const c of idle) c.destroy();
          }
          await new Promise((r) => setTimeout(r, 200));
          await assertServes(s.clientUrl, "2000 connections dropped at once");
        });

        await t.step("1000 idle connections on the peer port", async () => {
          const idle = await openIdle(s.host, s.peerPort, 1000);
          try {
            const r = await fetch(`http://${s.host}:${s.peerPort}/members`, { signal: AbortSignal.timeout(5000) });
            assert.equal(r.status, 200);
            await r.body?.cancel();
            await assertServes(s.clientUrl, "1000 idle peer connections");
          } finally {
            for (const c of idle) c.destroy();
          }
        });

        const got = await (await fetch(`${s.clientUrl}/v2/keys${CANARY}`)).json();
        assert.equal(got.node.value, CANARY_VALUE);
      } finally {
        await s.close();
      }
    },
  });
}

// Regression: on Deno, clients holding every file descriptor made Deno.serve's
// accept loop fail with EMFILE, an unhandled rejection that killed the process.
for (const runtime of runtimesUnderTest()) {
  Deno.test({
    name: `hostile connections (${runtime}): running out of file descriptors does not kill the member`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const s = await startSingle(runtime, runtime === "deno" ? "127.0.60.7" : "127.0.60.8", 512);
      try {
        const socks: net.Socket[] = [];
        for (let i = 0; i < 700; i++) {
          const c = net.connect(s.clientPort, s.host);
          c.on("error", () => {});
          socks.push(c);
        }
        await new Promise((r) => setTimeout(r, 1500));
        for (const c of socks) c.destroy();
        await waitFor(() => {
          if (!s.alive()) throw new StopWaiting("the member exited");
          return fetch(`${s.clientUrl}/health`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok);
        }, {
          timeoutMs: 10_000,
          what: "the member to serve again",
        }).catch((err) => {
          throw new Error(`${err.message}; alive=${s.alive()}; output:\n${s.output().slice(-1500)}`);
        });
        await assertServes(s.clientUrl, "descriptors exhausted and freed");
      } finally {
        await s.close();
      }
    },
  });
}
