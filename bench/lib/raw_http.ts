// A minimal HTTP/1.1 client on one keep-alive socket, one request at a time.
// The watch and scale workloads hold hundreds of connections open and need
// the moment each answer arrived, without a client library's pooling or
// buffering in between; both systems answer with Content-Length or chunked
// bodies, which is all this parses.

import * as net from "node:net";

export interface RawResponse {
  status: number;
  body: string;
  /** performance.now() when the last byte of the answer arrived. */
  at: number;
}

interface Pending {
  resolve: (r: RawResponse) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class RawConn {
  private socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private pending: Pending | undefined;
  private ready: Promise<void>;
  closed = false;

  constructor(readonly host: string, readonly port: number) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.ready = new Promise((resolve, reject) => {
      this.socket.once("connect", () => resolve());
      this.socket.once("error", reject);
    });
    this.socket.on("data", (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.tryParse();
    });
    const fail = (e: Error) => {
      this.closed = true;
      const p = this.pending;
      this.pending = undefined;
      if (p) {
        clearTimeout(p.timer);
        p.reject(e);
      }
    };
    this.socket.on("error", fail);
    this.socket.on("close", () => fail(new Error(`connection to ${host}:${port} closed`)));
  }

  static async open(url: string): Promise<RawConn> {
    const u = new URL(url);
    const c = new RawConn(u.hostname, Number(u.port || 80));
    await c.ready;
    return c;
  }

  /** Sends one request; resolves with the complete answer (bounded by timeoutMs). */
  request(method: string, path: string, body?: string, timeoutMs = 30_000): Promise<RawResponse> {
    if (this.pending) return Promise.reject(new Error("request already in flight on this connection"));
    if (this.closed) return Promise.reject(new Error("connection closed"));
    const head = [`${method} ${path} HTTP/1.1`, `Host: ${this.host}:${this.port}`];
    if (body !== undefined) {
      head.push("Content-Type: application/x-www-form-urlencoded", `Content-Length: ${Buffer.byteLength(body)}`);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        reject(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`));
        this.close();
      }, timeoutMs);
      this.pending = { resolve, reject, timer };
      this.socket.write(head.join("\r\n") + "\r\n\r\n" + (body ?? ""));
    });
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private tryParse(): void {
    const p = this.pending;
    if (!p) return;
    const end = this.buf.indexOf("\r\n\r\n");
    if (end < 0) return;
    const head = this.buf.subarray(0, end).toString("latin1");
    const status = Number(head.slice(9, 12));
    const start = end + 4;
    let body: Buffer | undefined;
    let consumed = 0;
    const cl = head.match(/\r\ncontent-length:\s*(\d+)/i);
    if (cl) {
      const n = Number(cl[1]);
      if (this.buf.length < start + n) return;
      body = this.buf.subarray(start, start + n);
      consumed = start + n;
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const parts: Buffer[] = [];
      let i = start;
      for (;;) {
        const lineEnd = this.buf.indexOf("\r\n", i);
        if (lineEnd < 0) return;
        const size = parseInt(this.buf.subarray(i, lineEnd).toString("latin1"), 16);
        if (this.buf.length < lineEnd + 2 + size + 2) return;
        if (size === 0) {
          consumed = lineEnd + 4;
          break;
        }
        parts.push(this.buf.subarray(lineEnd + 2, lineEnd + 2 + size));
        i = lineEnd + 2 + size + 2;
      }
      body = Buffer.concat(parts);
    } else {
      // No length: the body runs to the close; not expected from either system.
      return;
    }
    const at = performance.now();
    this.buf = this.buf.subarray(consumed);
    this.pending = undefined;
    clearTimeout(p.timer);
    p.resolve({ status, body: body.toString("utf8"), at });
  }
}

/** Runs `count` tasks on `width` connections, each connection doing one at a time. */
export async function onConnections(
  url: string,
  width: number,
  count: number,
  task: (c: RawConn, i: number) => Promise<void>,
): Promise<void> {
  const conns = await Promise.all(Array.from({ length: width }, () => RawConn.open(url)));
  let next = 0;
  try {
    await Promise.all(conns.map(async (c) => {
      while (next < count) await task(c, next++);
    }));
  } finally {
    for (const c of conns) c.close();
  }
}
