// The front door of a plain-HTTP client port on Node: a small HTTP/1.1
// server on node:net for the requests that make up nearly all load (keys
// reads, writes and watches). node's http server spends more of a GET's CPU
// in its request and response objects and stream machinery than in the
// socket's system calls; this answers with one write from a string.
//
// It serves a connection while its requests are the plain ones a route
// takes. At the first request it does not take (another path, HTTP/1.0,
// chunked bodies, odd headers...), it hands the connection and the bytes
// not yet answered to node's http server, which serves it from then on.
// Requests on a connection are answered one at a time, in order.

import { Buffer } from "node:buffer";
import type { Server as HttpServer } from "node:http";
import type { Socket } from "node:net";
import { type Http1Answer, chunk, streamHead, wholeAnswer } from "./http1_answer.ts";
import { type Http1Head, readHead } from "./http1_head.ts";
import { requestEnded, requestStarted } from "../runtime/client_load.ts";
import { endAndLinger, KEEP_ALIVE_MS } from "../runtime/connection_timing.ts";

/** Where a streamed answer's bytes go (a watch feed attaches one). */
export interface Http1Sink {
  write(data: Uint8Array): void;
  end(last?: Uint8Array): void;
}

export interface Http1Feed {
  attach(sink: Http1Sink): void;
  /** The client went away: stop feeding. */
  close(): void;
}

export interface Http1RouteAnswer extends Http1Answer {
  feed?: Http1Feed;
  /**
   * Not load (client_load.ts): a cheap read outside the keyspace, such as a
   * monitor's stats poll, which neither joins a write nor makes the server
   * shared for the writer it serves.
   */
  light?: boolean;
}

/** Answers one request; `body` is read only if needed (a GET's is skipped, as node and Go do). */
export type Http1Handler = (body: () => Promise<string>) => Promise<Http1RouteAnswer>;

/** The handler for a request, or null: then node's http server gets the connection. */
export type Http1Route = (head: Http1Head) => Http1Handler | null;

export interface FrontOptions {
  route: Http1Route;
  /** Serves handed-over connections (it is not listening itself). */
  fallback: HttpServer;
  maxHeadBytes: number;
  /** The answer when a handler throws. */
  internalError(err: unknown): Http1Answer;
}

/** Unanswered pipelined bytes past this pause reading until the answers catch up. */
const MAX_BUFFERED = 1 << 20;
/** Answer bytes the client has not read past this: answer nothing more until it does. */
const MAX_UNSENT = 1 << 20;

const decoder = new TextDecoder();
const EMPTY = Promise.resolve("");
const NO_BODY = () => EMPTY;

/** Serves one accepted connection. */
export function serveConnection(socket: Socket, opts: FrontOptions): void {
  new Http1Connection(socket, opts);
}

class Http1Connection {
  #buf: Buffer | null = null;
  /** A request is being answered (its answer, or its watch, is not finished). */
  #busy = false;
  #feed: Http1Feed | undefined;
  /** The client has sent FIN. */
  #peerEnded = false;
  #ending = false;
  #handedOver = false;
  /** Answers are waiting for the client to read them (still busy). */
  #stalled = false;
  /** The current request's body, while it is still arriving. */
  #body: BodyInFlight | undefined;
  readonly #onData = (d: Buffer) => this.#received(d);
  readonly #onEnd = () => this.#peerEnd();
  readonly #onClose = () => this.#closed();
  readonly #onTimeout = () => this.#idle();
  readonly #onError = () => this.socket.destroy();

  constructor(readonly socket: Socket, readonly opts: FrontOptions) {
    socket.setNoDelay(true);
    // Reads and writes re-arm it, so it fires only on a connection that went quiet.
    socket.setTimeout(KEEP_ALIVE_MS);
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("close", this.#onClose);
    socket.on("timeout", this.#onTimeout);
    socket.on("error", this.#onError);
  }

  #received(d: Buffer): void {
    try {
      this.#buf = this.#buf === null ? d : Buffer.concat([this.#buf, d]);
      if (this.#body) this.#takeBody();
      if (this.#busy) {
        if (this.#buf !== null && this.#buf.length > MAX_BUFFERED) this.socket.pause();
        return;
      }
      this.#next();
    } catch (err) {
      // A bug here must cost one connection, not the process.
      console.error("HTTP/1.1 front door:", err);
      this.socket.destroy();
    }
  }

  /** Starts answering the next complete request in the buffer, if there is one. */
  #next(): void {
    const buf = this.#buf;
    if (buf === null || this.#busy || this.#ending) return;
    const head = readHead(buf, 0, this.opts.maxHeadBytes);
    if (head === "incomplete") return;
    const handler = head === "other" ? null : this.opts.route(head);
    if (head === "other" || handler === null) return this.#handOver();
    // Answered from the end of its head, as node's server does; the body follows.
    this.#buf = buf.length === head.size ? null : buf.subarray(head.size);
    this.#busy = true;
    let body = NO_BODY;
    if (head.contentLength > 0) {
      const b = this.#body = new BodyInFlight(head.contentLength);
      body = () => b.text;
      this.#takeBody();
    }
    requestStarted();
    handler(body).then(
      (a) => this.#reply(head, a),
      (err) => this.#reply(head, this.opts.internalError(err)),
    );
  }

  /** Moves the current body's bytes out of the buffer; the next request starts after them. */
  #takeBody(): void {
    const body = this.#body!;
    const buf = this.#buf;
    if (buf !== null && body.missing > 0) {
      const n = Math.min(body.missing, buf.length);
      body.add(buf.subarray(0, n));
      this.#buf = n === buf.length ? null : buf.subarray(n);
    }
    if (body.missing === 0) {
      this.#body = undefined;
      if (!this.#busy) this.#done(false);
    }
  }

  #reply(head: Http1Head, a: Http1RouteAnswer): void {
    const socket = this.socket;
    requestEnded(this, !a.feed && !a.light && !socket.destroyed);
    if (socket.destroyed) {
      a.feed?.close();
      return;
    }
    // After the client's FIN, the connection closes with the last answer it asked for.
    const close = !head.keepAlive || (this.#peerEnded && this.#buf === null);
    if (!a.feed) {
      socket.write(wholeAnswer(a, close));
      return this.#done(close);
    }
    // Like etcd, a watch's headers go out at once, then each event as a chunk.
    const feed = a.feed;
    this.#feed = feed;
    socket.write(streamHead(a, close));
    feed.attach({
      write: (data) => {
        if (this.#feed === feed) socket.write(chunk(data, false));
      },
      end: (last) => {
        if (this.#feed !== feed) return;
        this.#feed = undefined;
        socket.write(chunk(last, true));
        this.#done(close);
      },
    });
  }

  #done(close: boolean): void {
    if (close) {
      this.#busy = false;
      return this.#end();
    }
    // A client that does not read its answers gets no more until it does:
    // they would pile up in memory without bound (pipelined requests are cheap).
    if (this.socket.writableLength > MAX_UNSENT) {
      this.#stalled = true;
      this.socket.once("drain", () => {
        this.#stalled = false;
        this.#done(false);
      });
      return;
    }
    this.#busy = false;
    // A body the route never read still has to arrive before the next request.
    if (this.#body) return;
    if (this.socket.isPaused()) this.socket.resume();
    this.#next();
    // A half-sent request will not be finished after the client's FIN.
    if (!this.#busy && !this.#handedOver && this.#peerEnded) this.#end();
  }

  /** Our FIN after the last answer; the client gets a moment to close its side. */
  #end(): void {
    if (this.#ending) return;
    this.#ending = true;
    endAndLinger(this.socket);
  }

  #peerEnd(): void {
    this.#peerEnded = true;
    if (this.#ending) return void this.socket.destroy();
    if (this.#body) {
      this.#body.cut();
      this.#body = undefined;
    }
    // A watch ends when its client goes, as etcd's do; other answers still go out, then FIN.
    if (this.#feed) {
      const feed = this.#feed;
      this.#feed = undefined;
      feed.close();
      this.#busy = false;
    }
    if (!this.#busy) this.#end();
  }

  #closed(): void {
    const feed = this.#feed;
    this.#feed = undefined;
    feed?.close();
  }

  #idle(): void {
    // A watch may wait for minutes; only an idle connection, or one whose
    // client stopped reading, times out.
    if (!this.#busy || this.#stalled) this.socket.destroy();
  }

  /** node's http server takes the connection from here, starting with the bytes not yet answered. */
  #handOver(): void {
    const socket = this.socket;
    this.#handedOver = true;
    socket.off("data", this.#onData);
    socket.off("end", this.#onEnd);
    socket.off("close", this.#onClose);
    socket.off("timeout", this.#onTimeout);
    socket.off("error", this.#onError);
    socket.setTimeout(0);
    const buf = this.#buf;
    this.#buf = null;
    // node's server reads the socket's handle directly once attached; bytes we
    // already hold go to its parser now, before anything newer can arrive.
    this.opts.fallback.emit("connection", socket);
    if (buf !== null) socket.emit("data", buf);
  }
}

/** A request body of known length, as it arrives. */
class BodyInFlight {
  readonly text: Promise<string>;
  missing: number;
  #parts: Buffer[] = [];
  #resolve!: (s: string) => void;
  #reject!: (e: Error) => void;

  constructor(length: number) {
    this.missing = length;
    this.text = new Promise((res, rej) => {
      this.#resolve = res;
      this.#reject = rej;
    });
    // A route that never reads the body must not see an unhandled rejection.
    this.text.catch(() => {});
  }

  add(b: Buffer): void {
    this.#parts.push(b);
    this.missing -= b.length;
    if (this.missing === 0) this.#resolve(decoder.decode(this.#parts.length === 1 ? this.#parts[0] : Buffer.concat(this.#parts)));
  }

  /** The client closed before sending all of it. */
  cut(): void {
    this.#reject(new Error("the client closed the connection before sending the whole body"));
  }
}
