// Talks HTTP/1.1 over a bare TCP socket, so a test can send what an HTTP
// client would refuse or repair (both Content-Length and Transfer-Encoding,
// broken chunking, half a request, plain garbage) and see exactly what the
// server answered, or that it closed the connection.

import { Buffer } from "node:buffer";
import net from "node:net";

export interface RawAnswer {
  /** Status code of the first response, or null when none came. */
  status: number | null;
  /** Header names lower-cased; the first response only. */
  headers: Record<string, string>;
  /** Body of the first response (de-chunked when chunked). */
  body: string;
  /** Everything the server sent. */
  raw: string;
  /** The server closed the connection (rather than our timeout ending it). */
  closedByServer: boolean;
  error?: string;
}

export interface RawOptions {
  /** Give up (and close) after this long; default 5 s. */
  timeoutMs?: number;
  /** Close as soon as one complete response has arrived (default true). */
  stopAfterResponse?: boolean;
}

/** Sends `data` on a fresh connection and collects the answer. */
export function rawExchange(host: string, port: number, data: string | Uint8Array, opts: RawOptions = {}): Promise<RawAnswer> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const stopAfter = opts.stopAfterResponse ?? true;
  return new Promise((resolve) => {
    const sock = net.connect(port, host);
    const chunks: Buffer[] = [];
    let closedByServer = true;
    let error: string | undefined;
    const timer = setTimeout(() => {
      closedByServer = false;
      sock.destroy();
    }, timeoutMs);
    sock.on("connect", () => sock.write(typeof data === "string" ? Buffer.from(data, "latin1") : data));
    sock.on("data", (d: Buffer) => {
      chunks.push(d);
      if (stopAfter && parseResponse(Buffer.concat(chunks).toString("latin1")).complete) {
        closedByServer = false;
        sock.destroy();
      }
    });
    sock.on("error", (e) => (error = e.message));
    sock.on("close", () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString("latin1");
      const p = parseResponse(raw);
      resolve({ status: p.status, headers: p.headers, body: p.body, raw, closedByServer, ...(error ? { error } : {}) });
    });
  });
}

interface Parsed {
  status: number | null;
  headers: Record<string, string>;
  body: string;
  complete: boolean;
}

/** Parses the first HTTP/1.1 response in `raw` (latin1), tolerating a cut-off tail. */
export function parseResponse(raw: string): Parsed {
  const end = raw.indexOf("\r\n\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
  if (!m || end < 0) return { status: m ? Number(m[1]) : null, headers: {}, body: "", complete: false };
  const headers: Record<string, string> = {};
  for (const line of raw.slice(0, end).split("\r\n").slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const rest = raw.slice(end + 4);
  const status = Number(m[1]);
  if (headers["transfer-encoding"]?.toLowerCase() === "chunked") {
    const { body, complete } = dechunk(rest);
    return { status, headers, body: utf8(body), complete };
  }
  const len = headers["content-length"] !== undefined ? Number(headers["content-length"]) : (status === 204 || status === 304 ? 0 : NaN);
  if (Number.isNaN(len)) return { status, headers, body: utf8(rest), complete: false };
  return { status, headers, body: utf8(rest.slice(0, len)), complete: rest.length >= len };
}

function dechunk(s: string): { body: string; complete: boolean } {
  let body = "";
  let i = 0;
  for (;;) {
    const eol = s.indexOf("\r\n", i);
    if (eol < 0) return { body, complete: false };
    const size = parseInt(s.slice(i, eol), 16);
    if (Number.isNaN(size)) return { body, complete: false };
    if (size === 0) return { body, complete: true };
    body += s.slice(eol + 2, eol + 2 + size);
    i = eol + 2 + size + 2;
    if (i > s.length) return { body, complete: false };
  }
}

function utf8(latin1: string): string {
  return Buffer.from(latin1, "latin1").toString("utf8");
}

/** A complete request with Content-Length set from the body. */
export function request(method: string, target: string, opts: { headers?: Record<string, string>; body?: string; close?: boolean } = {}): string {
  const body = Buffer.from(opts.body ?? "", "utf8");
  let head = `${method} ${target} HTTP/1.1\r\nHost: hostile.test\r\n`;
  for (const [k, v] of Object.entries(opts.headers ?? {})) head += `${k}: ${v}\r\n`;
  if (opts.body !== undefined) head += `Content-Length: ${body.length}\r\n`;
  if (opts.close !== false) head += "Connection: close\r\n";
  return head + "\r\n" + body.toString("latin1");
}

export const FORM = { "Content-Type": "application/x-www-form-urlencoded" };

/** Parses an answer's body as JSON, or undefined. */
export function jsonOf(a: RawAnswer): unknown {
  try {
    return JSON.parse(a.body);
  } catch {
    return undefined;
  }
}
