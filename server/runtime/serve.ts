// The one place that knows which runtime we are on: HTTP listeners use
// Deno.serve on Deno (much faster than node:http there) and
// @hono/node-server on Node. Deno.serve cannot ask for or verify client
// certificates, so listeners that require one use node:https on Deno too.

import type { Http1Route } from "../http/http1_front.ts";
import { endAndLinger, KEEP_ALIVE_MS } from "./connection_timing.ts";

export type FetchHandler = (req: Request, info: { remoteAddr: string }) => Response | Promise<Response>;

export interface TlsOptions {
  cert: string;
  key: string;
  /** PEM of the CA that client certificates must chain to; set = require a client certificate. */
  ca?: string;
}

export interface ServeOptions {
  hostname: string;
  port: number;
  fetch: FetchHandler;
  tls?: TlsOptions;
  /** Requests may last as long as their connection (peer streams): no whole-request timeout. */
  longRequests?: boolean;
  /** On node:http, tried before `fetch`: serves what it can straight on node's objects. */
  // deno-lint-ignore no-explicit-any
  nodeFastPath?: (req: any, res: any) => boolean;
  /** On Node without TLS, the requests a hand-written HTTP/1.1 front door answers before node:http. */
  http1Route?: Http1Route;
}

export interface Listener {
  hostname: string;
  port: number;
  close(): Promise<void>;
}

// deno-lint-ignore no-explicit-any
const DenoNs: any = (globalThis as any).Deno;

export const runtimeName: "deno" | "node" = DenoNs?.serve ? "deno" : "node";

// node's adaptor builds req.url with WHATWG URL parsing, which resolves "." and
// ".." segments; etcd answers those with a 301 to the clean path, so handlers
// need the target as the client sent it.
const rawTargets = new WeakMap<Request, string>();
// The URL parser treats %2e as a dot too.
const DOT_SEGMENT = /\/(?:\.|%2e){1,2}(?:[/?#]|$)/i;
// On Node, the response of each request: its "close" tells when a client
// went away, without the AbortSignal (and full web Request) that req.signal
// would make node's adaptor build for every long poll.
// deno-lint-ignore no-explicit-any
const nodeResponses = new WeakMap<Request, any>();

/** The request target exactly as sent, when the runtime rewrote it in req.url; else undefined. */
export function rawRequestTarget(req: Request): string | undefined {
  return rawTargets.get(req);
}

/** Calls `fn` once the exchange is over: answered, or the client went away. */
export function onExchangeEnd(req: Request, fn: () => void): void {
  const res = nodeResponses.get(req);
  if (res) res.once("close", fn);
  else req.signal?.addEventListener("abort", fn, { once: true });
}

export function serve(opts: ServeOptions): Promise<Listener> {
  return runtimeName === "deno" && !opts.tls?.ca ? serveDeno(opts) : serveNode(opts);
}

function serveDeno(opts: ServeOptions): Promise<Listener> {
  return new Promise((resolve, reject) => {
    // deno-lint-ignore no-explicit-any
    let server: any;
    let port = opts.port;
    let closing = false;
    let listening = false;
    const handler = (req: Request, info: { remoteAddr?: { hostname?: string } }) =>
      opts.fetch(req, { remoteAddr: info?.remoteAddr?.hostname ?? "" });
    const start = () => {
      server = DenoNs.serve(
        {
          hostname: opts.hostname,
          port,
          ...(opts.tls ? { cert: opts.tls.cert, key: opts.tls.key } : {}),
          onListen(addr: { hostname: string; port: number }) {
            if (listening) return;
            listening = true;
            port = addr.port;
            resolve({ hostname: addr.hostname, port: addr.port, close: () => ((closing = true), server.shutdown()) });
          },
          onError(err: unknown) {
            console.error("request failed:", err);
            return new Response("Internal Server Error", { status: 500 });
          },
        },
        handler,
      );
      // Deno.serve's accept loop ends (and would crash the process as an
      // unhandled rejection) when accept fails, e.g. when clients hold every
      // file descriptor. Listen again once descriptors are free.
      server.finished.catch((err: unknown) => {
        if (closing) return;
        console.error(`listener on ${opts.hostname}:${port} stopped (${err}); listening again`);
        setTimeout(restart, RELISTEN_MS);
      });
    };
    const restart = () => {
      if (closing) return;
      try {
        start();
      } catch {
        setTimeout(restart, RELISTEN_MS);
      }
    };
    try {
      start();
    } catch (err) {
      reject(err);
    }
  });
}

/** Pause before listening again after the accept loop failed. */
const RELISTEN_MS = 250;

async function serveNode(opts: ServeOptions): Promise<Listener> {
  // Long request lines (64 KiB keys) reach our handler and get an etcd error,
  // not node's bare 431.
  // deno-lint-ignore no-explicit-any
  const extra: any = { serverOptions: { maxHeaderSize: MAX_HEAD_BYTES } };
  // On Deno this path serves only listeners that require client certificates;
  // hono's replacement Response class must not leak into Deno.serve handlers.
  if (runtimeName === "deno") extra.overrideGlobalObjects = false;
  extra.createServer = (await import("node:http")).createServer;
  if (opts.tls) {
    const https = await import("node:https");
    extra.createServer = https.createServer;
    extra.serverOptions = {
      ...extra.serverOptions,
      cert: opts.tls.cert,
      key: opts.tls.key,
      ...(opts.tls.ca ? { ca: opts.tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
    };
  }
  const viaHono = lazyHonoListener(opts, extra.overrideGlobalObjects);
  // Deno's node:http compatibility layer serves only client-certificate listeners: keep it on the plain path.
  const fast = runtimeName === "node" ? opts.nodeFastPath : undefined;
  // deno-lint-ignore no-explicit-any
  const listener = fast ? (req: any, res: any) => fast(req, res) || viaHono(req, res) : viaHono;
  // deno-lint-ignore no-explicit-any
  const srv: any = extra.createServer(extra.serverOptions, listener);
  srv.keepAliveTimeout = KEEP_ALIVE_MS;
  // node:http ends a request still arriving after requestTimeout (5 minutes).
  if (opts.longRequests) srv.requestTimeout = 0;
  srv.on("connection", lingerOnClose);
  if (runtimeName === "node" && opts.http1Route && !opts.tls) return listenFront(srv, opts.http1Route, opts);
  return listenWith(srv, opts, () => srv.closeAllConnections?.());
}

// deno-lint-ignore no-explicit-any
type NodeListener = (req: any, res: any) => void;

/**
 * Hono's node adapter, loaded by the first request that needs it: loading
 * it replaces the global Request and Response, which loads node's fetch
 * (undici), about 30 ms of a cold start that the front door's keys requests
 * never need. The request waits, unread, meanwhile.
 */
function lazyHonoListener(opts: ServeOptions, overrideGlobalObjects: boolean | undefined): NodeListener {
  let listener: NodeListener | undefined;
  let loading: Promise<NodeListener> | undefined;
  const load = async (): Promise<NodeListener> => {
    const { getRequestListener } = await import("@hono/node-server");
    return getRequestListener(
      // deno-lint-ignore no-explicit-any
      (req: Request, env: any) => {
        const target = env?.incoming?.url;
        if (typeof target === "string" && DOT_SEGMENT.test(target)) rawTargets.set(req, target);
        if (env?.outgoing) nodeResponses.set(req, env.outgoing);
        return opts.fetch(req, { remoteAddr: env?.incoming?.socket?.remoteAddress ?? "" });
      },
      { overrideGlobalObjects },
    );
  };
  return (req, res) => {
    if (listener) return listener(req, res);
    (loading ??= load()).then((l) => {
      listener = l;
      l(req, res);
    }, (err) => {
      console.error(`cannot serve HTTP: ${(err as Error).message}`);
      res.statusCode = 500;
      res.end();
    });
  };
}

/** Listens at opts' address; the Listener's close() stops accepting, then `drop`s open connections. */
// deno-lint-ignore no-explicit-any
function listenWith(server: any, opts: ServeOptions, drop: () => void): Promise<Listener> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.hostname, () => {
      server.off("error", reject);
      resolve({
        hostname: opts.hostname,
        port: server.address().port,
        close: () =>
          new Promise<void>((res) => {
            server.close(() => res());
            drop();
          }),
      });
    });
  });
}

/**
 * Listens with the HTTP/1.1 front door (http1_front.ts) on node:net; `srv`,
 * not listening itself, serves the connections the front hands over.
 */
// deno-lint-ignore no-explicit-any
async function listenFront(srv: any, route: Http1Route, opts: ServeOptions): Promise<Listener> {
  const net = await import("node:net");
  const { serveConnection } = await import("../http/http1_front.ts");
  const { internalErrorAnswer } = await import("../http/responses.ts");
  // What node's server does when it starts listening: track connections, so
  // its header and request timeouts hold for handed-over ones too.
  srv.emit("listening");
  const sockets = new Set<import("node:net").Socket>();
  const front = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    serveConnection(socket, { route, fallback: srv, maxHeadBytes: MAX_HEAD_BYTES, internalError: internalErrorAnswer });
  });
  return listenWith(front, opts, () => {
    srv.close();
    for (const s of sockets) s.destroy();
  });
}

/** As node's maxHeaderSize above: longer heads go to node's server, which answers them. */
const MAX_HEAD_BYTES = 128 * 1024;

// node closes a "Connection: close" socket right after the response, even
// when the client is still sending a body we refused (413): linger instead.
// deno-lint-ignore no-explicit-any
function lingerOnClose(sock: any): void {
  sock.destroySoon = function (this: typeof sock) {
    endAndLinger(this);
  };
}
