// Reads the head of one HTTP/1.1 request from the bytes a connection has
// received, for the front door (http1_front.ts). It accepts only the plain
// shape every etcd client sends: a request line, "Name: value" headers in
// printable ASCII, CRLF line ends, at most one of each header, a
// Content-Length if there is a body. Anything else ("other") goes to node's
// http server with the connection, which answers it as it always has.

import { Buffer } from "node:buffer";

export interface Http1Head {
  method: string;
  /** The request target as sent (origin form: starts with "/"). */
  target: string;
  /** Lower-cased names. */
  headers: Map<string, string>;
  /** 0 without a Content-Length. */
  contentLength: number;
  /** False when the client said "Connection: close". */
  keepAlive: boolean;
  /** Bytes from the start of the request line through the blank line. */
  size: number;
}

export type HeadResult = Http1Head | "incomplete" | "other";

const HEAD_END = Buffer.from("\r\n\r\n");
const REQUEST_LINE = /^([A-Z]+) (\/[!-~]*) HTTP\/1\.1$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Printable ASCII, tab, and the CRLFs between lines.
const UNPRINTABLE = /[^\t\r\n\x20-\x7e]/;
// Framing or protocol switches this front does not do; node's server does.
const LEFT_TO_NODE = new Set(["transfer-encoding", "expect", "upgrade", "te"]);
const DIGITS = /^[0-9]{1,15}$/;

/** The head at `start` in `buf`, "incomplete" until its blank line arrives, or "other". */
export function readHead(buf: Buffer, start: number, maxHeadBytes: number): HeadResult {
  const end = buf.indexOf(HEAD_END, start);
  if (end === -1) {
    if (buf.length - start > maxHeadBytes || hasBareLineFeed(buf, start, buf.length)) return "other";
    // Bytes that cannot begin a plain request are node's to refuse now, not a head to wait for.
    const sofar = buf.toString("latin1", start);
    if (UNPRINTABLE.test(sofar)) return "other";
    const lineEnd = sofar.indexOf("\r");
    const complete = lineEnd !== -1;
    const first = complete ? sofar.slice(0, lineEnd) : sofar;
    return (complete ? REQUEST_LINE.test(first) : couldStartRequestLine(first)) ? "incomplete" : "other";
  }
  if (end - start > maxHeadBytes || hasBareLineFeed(buf, start, end)) return "other";
  const text = buf.toString("latin1", start, end);
  if (UNPRINTABLE.test(text)) return "other";
  const lines = text.split("\r\n");
  const m = REQUEST_LINE.exec(lines[0]);
  if (!m) return "other";
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(":");
    if (colon <= 0) return "other";
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return "other";
    const lower = name.toLowerCase();
    if (headers.has(lower) || LEFT_TO_NODE.has(lower)) return "other";
    headers.set(lower, line.slice(colon + 1).trim());
  }
  let contentLength = 0;
  const cl = headers.get("content-length");
  if (cl !== undefined) {
    if (!DIGITS.test(cl)) return "other";
    contentLength = Number(cl);
  }
  let keepAlive = true;
  const conn = headers.get("connection");
  if (conn !== undefined) {
    const c = conn.toLowerCase();
    if (c === "close") keepAlive = false;
    else if (c !== "keep-alive") return "other";
  }
  return { method: m[1], target: m[2], headers, contentLength, keepAlive, size: end + 4 - start };
}

const METHOD_SO_FAR = /^[A-Z]*$/;
const TARGET_SO_FAR = /^(?:\/[!-~]*)?$/;

/** Whether `s` is the start of a request line this front could take. */
function couldStartRequestLine(s: string): boolean {
  const sp1 = s.indexOf(" ");
  if (sp1 === -1) return METHOD_SO_FAR.test(s);
  if (sp1 === 0 || !METHOD_SO_FAR.test(s.slice(0, sp1))) return false;
  const sp2 = s.indexOf(" ", sp1 + 1);
  if (sp2 === -1) return TARGET_SO_FAR.test(s.slice(sp1 + 1));
  return sp2 > sp1 + 1 && TARGET_SO_FAR.test(s.slice(sp1 + 1, sp2)) && "HTTP/1.1".startsWith(s.slice(sp2 + 1));
}

/** A LF not preceded by CR: node's parser has its own rules for those. */
function hasBareLineFeed(buf: Buffer, from: number, to: number): boolean {
  for (let i = buf.indexOf(10, from); i !== -1 && i < to; i = buf.indexOf(10, i + 1)) {
    if (i === from || buf[i - 1] !== 13) return true;
  }
  return false;
}
