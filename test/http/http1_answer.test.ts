// The front door's answer framing (server/http/http1_answer.ts): a watch's
// head is built once for a run of identical answers and rebuilt as soon as
// anything in it differs.

import assert from "node:assert/strict";
import { type Http1Answer, streamHead } from "../../server/http/http1_answer.ts";

const answer = (headers: Record<string, string>, status = 200): Http1Answer => ({ status, headers, body: null });

/** The head as it must read, whatever was built before it. */
function expected(a: Http1Answer, close: boolean, date: string): string {
  const lines = Object.entries(a.headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  const connection = close ? "Connection: close\r\n" : "Connection: keep-alive\r\nKeep-Alive: timeout=65\r\n";
  const reason = a.status === 200 ? "OK" : "Bad Request";
  return `HTTP/1.1 ${a.status} ${reason}\r\n${lines}Date: ${date}\r\n${connection}Transfer-Encoding: chunked\r\n\r\n`;
}

function dateOf(head: string): string {
  return /\r\nDate: ([^\r]+)\r\n/.exec(head)![1];
}

Deno.test("streamHead: identical answers share one head; any difference gives its own", () => {
  const base = { "Content-Type": "application/json", "X-Etcd-Index": "7", "X-Raft-Index": "9" };
  const first = streamHead(answer({ ...base }), false);
  const date = dateOf(first);
  assert.equal(first, expected(answer(base), false, date));
  // A thousand watchers of one index: the same string each time, not a copy.
  assert.equal(streamHead(answer({ ...base }), false), first);

  const cases: [Http1Answer, boolean][] = [
    [answer({ ...base, "X-Etcd-Index": "8" }), false], // a value
    [answer({ "X-Etcd-Index": "7", "Content-Type": "application/json", "X-Raft-Index": "9" }), false], // the order
    [answer({ ...base, "Access-Control-Allow-Origin": "*" }), false], // one more header
    [answer({ "Content-Type": "application/json", "X-Etcd-Index": "7" }), false], // one fewer
    [answer({ ...base }, 400), false], // the status
    [answer({ ...base }), true], // the connection
    [answer({ ...base }), false], // and back
  ];
  for (const [a, close] of cases) {
    const head = streamHead(a, close);
    assert.equal(head, expected(a, close, dateOf(head)), JSON.stringify({ headers: a.headers, status: a.status, close }));
  }
});
