// Writes answers for the front door (http1_front.ts) as node's http server
// would frame them: the handler's headers in order, then Content-Length,
// Date, and Connection/Keep-Alive, or Transfer-Encoding: chunked for a
// stream. A whole answer is one string, so one write and one system call.

import { Buffer } from "node:buffer";
import { STATUS_CODES } from "node:http";
import { KEEP_ALIVE_MS } from "../runtime/connection_timing.ts";

export interface Http1Answer {
  status: number;
  headers: Record<string, string>;
  body: string | null;
}

const KEEP_ALIVE = `Connection: keep-alive\r\nKeep-Alive: timeout=${KEEP_ALIVE_MS / 1000}\r\n`;

let date = "";
let dateUntil = 0;

/** The Date header's value, made at most once a second. */
function httpDate(): string {
  const now = Date.now();
  if (now >= dateUntil) {
    date = new Date(now).toUTCString();
    dateUntil = now - (now % 1000) + 1000;
  }
  return date;
}

function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "unknown"}\r\n`;
}

function connectionLines(close: boolean): string {
  return close ? "Connection: close\r\n" : KEEP_ALIVE;
}

function headerLines(headers: Record<string, string>): string {
  let s = "";
  for (const name in headers) s += name + ": " + headers[name] + "\r\n";
  return s;
}

/** A whole answer with its body, ready for one write (UTF-8). */
export function wholeAnswer(a: Http1Answer, close: boolean): string {
  const body = a.body ?? "";
  return statusLine(a.status) + headerLines(a.headers) +
    `Content-Length: ${Buffer.byteLength(body)}\r\nDate: ${httpDate()}\r\n` + connectionLines(close) + "\r\n" + body;
}

// Watchers registered between two writes get the same head (same index,
// same headers) in a row, a thousand at a time: build it once. The key is
// what the head is made of: status, connection, Date, then each header's
// name and value in order.
let lastHeadKey: (string | number | boolean)[] = [];
let lastHead = "";

function sameHead(a: Http1Answer, close: boolean, date: string): boolean {
  const key = lastHeadKey;
  if (key[0] !== a.status || key[1] !== close || key[2] !== date) return false;
  let i = 3;
  for (const name in a.headers) {
    if (key[i] !== name || key[i + 1] !== a.headers[name]) return false;
    i += 2;
  }
  return i === key.length;
}

/** The head of a chunked answer whose body follows as chunks (a watch). */
export function streamHead(a: Http1Answer, close: boolean): string {
  const date = httpDate();
  if (sameHead(a, close, date)) return lastHead;
  lastHead = statusLine(a.status) + headerLines(a.headers) + `Date: ${date}\r\n` + connectionLines(close) +
    "Transfer-Encoding: chunked\r\n\r\n";
  const key: (string | number | boolean)[] = [a.status, close, date];
  for (const name in a.headers) key.push(name, a.headers[name]);
  lastHeadKey = key;
  return lastHead;
}

const CRLF = Buffer.from("\r\n");
const LAST_CHUNK = Buffer.from("0\r\n\r\n");

// Every watcher of a key gets the same event bytes in a row: frame them once.
let lastData: Uint8Array | undefined;
let lastFramed: Buffer = Buffer.alloc(0);
let lastWasFinal = false;

/** One chunk of a chunked body; with `final`, the terminating chunk too. */
export function chunk(data: Uint8Array | undefined, final: boolean): Buffer {
  if (!data || data.length === 0) return final ? LAST_CHUNK : Buffer.alloc(0);
  if (data === lastData && final === lastWasFinal) return lastFramed;
  const size = Buffer.from(data.length.toString(16) + "\r\n", "latin1");
  const parts = final ? [size, data, CRLF, LAST_CHUNK] : [size, data, CRLF];
  lastFramed = Buffer.concat(parts);
  lastData = data;
  lastWasFinal = final;
  return lastFramed;
}
