// The front door's head reader (server/http/http1_head.ts): plain requests
// are read, half-arrived ones wait, and anything unusual is "other" at once,
// for node's server to answer, rather than waited on.

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { readHead } from "../../server/http/http1_head.ts";

const read = (s: string, max = 1024) => readHead(Buffer.from(s, "latin1"), 0, max);

Deno.test("a plain request head is read: method, target, headers, length, keep-alive, size", () => {
  const text = "PUT /v2/keys/a?ttl=5 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
    "Content-Length: 7\r\nOrigin:  http://o \r\n\r\nvalue=1";
  const h = read(text);
  assert.ok(typeof h === "object");
  assert.equal(h.method, "PUT");
  assert.equal(h.target, "/v2/keys/a?ttl=5");
  assert.equal(h.headers.get("content-type"), "application/x-www-form-urlencoded");
  assert.equal(h.headers.get("origin"), "http://o", "values are trimmed");
  assert.equal(h.contentLength, 7);
  assert.equal(h.keepAlive, true);
  assert.equal(h.size, text.length - 7);
  const close = read("GET / HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n");
  assert.ok(typeof close === "object" && close.keepAlive === false);
});

Deno.test("a head at an offset, after an earlier request", () => {
  const first = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
  const buf = Buffer.from(first + "GET /b HTTP/1.1\r\nHost: x\r\n\r\n", "latin1");
  const h = readHead(buf, first.length, 1024);
  assert.ok(typeof h === "object");
  assert.equal(h.target, "/b");
  assert.equal(first.length + h.size, buf.length);
});

Deno.test("every prefix of a plain request waits for the rest", () => {
  const text = "DELETE /v2/keys/a HTTP/1.1\r\nHost: x\r\n\r\n";
  for (let n = 0; n < text.length; n++) assert.equal(read(text.slice(0, n)), "incomplete", JSON.stringify(text.slice(0, n)));
  assert.equal(typeof read(text), "object");
});

Deno.test("unusual heads go to node's server, complete or not", () => {
  const others = [
    "GET /a HTTP/1.0\r\nHost: x\r\n\r\n",
    "get /a HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET http://x/a HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /a HTTP/1.1\nHost: x\n\n",
    "GET /a HTTP/1.1\r\nHost: x\n\r\n\r\n",
    "GET /a HTTP/1.1\r\nHost x\r\n\r\n",
    "GET /a HTTP/1.1\r\nHo st: x\r\n\r\n",
    "GET /a HTTP/1.1\r\n folded\r\n\r\n",
    "GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
    "PUT /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
    "PUT /a HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
    "GET /a HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n",
    "PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    "PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    "GET /a HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\n\r\n",
    "GET /a HTTP/1.1\r\nHost: \u00ff\r\n\r\n",
    "GET /a HTTP/1.1\r\nX: a\u0001b\r\n\r\n",
    // Half-arrived, but already not a plain request.
    "\u0016\u0003\u0001",
    "º`×aÐvQ",
    "GET  /a",
    "GET a",
    "GET /a HTTP/2",
    "GET /a HTTP/1.1\r\nX: \u0000",
    "GET /a HTTP/1.1 extra\r\n",
  ];
  for (const o of others) assert.equal(read(o), "other", JSON.stringify(o));
});

Deno.test("a head longer than the limit is node's, whether or not it has ended", () => {
  const long = "GET /a HTTP/1.1\r\nX: " + "y".repeat(2000);
  assert.equal(read(long, 1024), "other");
  assert.equal(read(long + "\r\n\r\n", 1024), "other");
  assert.equal(typeof read(long + "\r\n\r\n", 4096), "object");
});
