// One long-lived connection to a peer that carries raft message batches as
// they are produced: an HTTP/1.1 POST to /raft/stream whose chunked body is
// one JSON array of messages per line. A batch costs one socket write, not
// a request and its response (what etcd's rafthttp streams are for). The
// peer answers only when it ends the stream: 410 (we were removed), 412
// (another cluster), 404 (it has no streams: use POSTs). Messages written to
// a connection that then breaks are lost, which raft tolerates (it retries).

import { Buffer } from "node:buffer";
import net from "node:net";
import tls from "node:tls";
import type { Message } from "../raft/mod.ts";
import type { PeerClientTls } from "../runtime/tls.ts";

export const STREAM_PATH = "/raft/stream";
/** Longest line a peer accepts on a stream; batches are split to stay well under it. */
export const MAX_STREAM_LINE = 64 * 1024 * 1024;
const SPLIT_LINE = 16 * 1024 * 1024;

export type StreamState = "idle" | "connecting" | "open" | "broken" | "unsupported";

export interface PeerStreamHooks {
  /** The connection is up. */
  onOpen(): void;
  /** The stream was refused or broke; what the peer answered, if anything. */
  onClose(status: number | null, reason: string, how: CloseHow): void;
}

export interface CloseHow {
  /** Nothing listens at the peer's address: its process is down. */
  refused: boolean;
  /** The stream had been open (it broke, rather than failed to connect). */
  wasOpen: boolean;
}

export interface PeerStreamOptions {
  url: string;
  clusterId: string;
  from: string;
  tls?: PeerClientTls;
}

export class PeerStream {
  state: StreamState = "idle";
  private socket: net.Socket | undefined;
  private response = "";

  constructor(readonly opts: PeerStreamOptions, private readonly hooks: PeerStreamHooks) {}

  /** Opens the connection (writes may be queued by the socket until it connects). */
  open(): void {
    const u = new URL(this.opts.url);
    const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
    const host = u.hostname.replace(/^\[|\]$/g, "");
    const socket = u.protocol === "https:"
      ? tls.connect({
        host,
        port,
        servername: net.isIP(host) ? undefined : host,
        cert: this.opts.tls?.cert,
        key: this.opts.tls?.key,
        ca: this.opts.tls?.ca,
      })
      : net.connect({ host, port });
    this.socket = socket;
    this.state = "connecting";
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on(u.protocol === "https:" ? "secureConnect" : "connect", () => {
      if (this.state !== "connecting") return;
      this.state = "open";
      this.hooks.onOpen();
    });
    socket.on("data", (d: Uint8Array) => {
      this.response += new TextDecoder().decode(d);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(this.response);
      if (status || this.response.length > 1024) this.end(status ? Number(status[1]) : null, "peer answered the stream");
    });
    socket.on("error", (err) => this.end(null, err.message, (err as { code?: string }).code === "ECONNREFUSED"));
    socket.on("close", () => this.end(null, "connection closed"));
    socket.write(
      `POST ${STREAM_PATH} HTTP/1.1\r\n` +
        `Host: ${u.host}\r\n` +
        `Content-Type: application/x-ndjson\r\n` +
        `Transfer-Encoding: chunked\r\n` +
        `X-Etcd-Cluster-Id: ${this.opts.clusterId}\r\n` +
        `X-Server-From: ${this.opts.from}\r\n\r\n`,
    );
  }

  /** Whether send() would write (connected or connecting). */
  get usable(): boolean {
    return this.state === "open" || this.state === "connecting";
  }

  /** Writes one batch; false if the stream cannot take it. */
  send(msgs: Message[]): boolean {
    if (!this.usable || !this.socket) return false;
    const line = JSON.stringify(msgs) + "\n";
    if (line.length > SPLIT_LINE && msgs.length > 1) {
      const half = msgs.length >> 1;
      return this.send(msgs.slice(0, half)) && this.send(msgs.slice(half));
    }
    this.socket.write(`${Buffer.byteLength(line).toString(16)}\r\n${line}\r\n`);
    return true;
  }

  /** Bytes written but not yet taken by the kernel: a stalled peer shows here. */
  get backlog(): number {
    return this.socket?.writableLength ?? 0;
  }

  close(): void {
    if (this.state === "broken" || this.state === "unsupported") return;
    this.state = "broken";
    this.socket?.destroy();
  }

  private end(status: number | null, reason: string, refused = false): void {
    if (this.state === "broken" || this.state === "unsupported") return;
    const wasOpen = this.state === "open";
    this.state = status === 404 || status === 405 ? "unsupported" : "broken";
    this.socket?.destroy();
    this.hooks.onClose(status, reason, { refused, wasOpen });
  }
}
