// One HTTP exchange with one endpoint, over node:http(s) so that TLS client
// certificates work on both runtimes. Failures are turned into the error
// texts of Go's net package, which etcdctl prints.

import http from "node:http";
import https from "node:https";
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { type Ctx, TransportError } from "./errors.ts";

export interface HttpRequest {
  method: string;
  /** Absolute URL, already escaped. */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/** --cert-file, --key-file, --ca-file. */
export interface TlsFiles {
  certFile?: string;
  keyFile?: string;
  caFile?: string;
}

export interface RoundTripOptions {
  /** Give up waiting for the status line and headers after this long (0: never). */
  headerTimeoutMs: number;
  /** Called when the header timeout fires, to build the error. */
  onHeaderTimeout: () => Error;
  tls?: TlsFiles;
}

function tlsOptions(tls: TlsFiles | undefined): https.RequestOptions {
  if (!tls) return {};
  const opts: https.RequestOptions = {};
  if (tls.caFile) opts.ca = readFileSync(tls.caFile);
  if (tls.certFile) opts.cert = readFileSync(tls.certFile);
  if (tls.keyFile) opts.key = readFileSync(tls.keyFile);
  return opts;
}

/** What node:net reports about a failed socket. */
interface SystemError extends Error {
  code?: string;
  address?: string;
  port?: number;
  hostname?: string;
}

/** The resolver Go names in a failed lookup: the first nameserver of resolv.conf. */
function nameserver(): string | undefined {
  try {
    const m = /^\s*nameserver\s+(\S+)/m.exec(readFileSync("/etc/resolv.conf", "utf8"));
    if (!m) return undefined;
    return m[1].includes(":") ? `[${m[1]}]:53` : `${m[1]}:53`;
  } catch {
    return undefined;
  }
}

/** Go's wording for a failed dial or read. */
export function goNetError(err: SystemError, host: string): string {
  const addr = err.address ? (err.address.includes(":") ? `[${err.address}]:${err.port}` : `${err.address}:${err.port}`) : host;
  switch (err.code) {
    case "ECONNREFUSED":
      return `dial tcp ${addr}: connect: connection refused`;
    case "ENOTFOUND":
    case "EAI_AGAIN": {
      const ns = nameserver();
      return `dial tcp: lookup ${err.hostname ?? host.replace(/:\d+$/, "")}${ns ? ` on ${ns}` : ""}: no such host`;
    }
    case "ETIMEDOUT":
      return `dial tcp ${addr}: i/o timeout`;
    case "EHOSTUNREACH":
      return `dial tcp ${addr}: connect: no route to host`;
    case "ENETUNREACH":
      return `dial tcp ${addr}: connect: network is unreachable`;
    case "ECONNRESET":
      return `read tcp ${addr}: read: connection reset by peer`;
    case "EPIPE":
      return `write tcp ${addr}: write: broken pipe`;
    default:
      return goTlsError(err) ?? err.message;
  }
}

const UNKNOWN_AUTHORITY = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
]);

/** Go's crypto/tls and x509 wording for a failed handshake, where we can tell which. */
function goTlsError(err: SystemError): string | undefined {
  const msg = err.message ?? "";
  if (UNKNOWN_AUTHORITY.has(err.code ?? "") || /unable to verify the first certificate|self[- ]signed certificate/i.test(msg)) {
    return "x509: certificate signed by unknown authority";
  }
  if (err.code === "CERT_HAS_EXPIRED" || err.code === "CERT_NOT_YET_VALID") return "x509: certificate has expired or is not yet valid";
  if (err.code === "ERR_TLS_CERT_ALTNAME_INVALID") return `x509: ${msg.replace(/^Hostname\/IP does not match certificate's altnames: /, "")}`;
  // A TLS alert from the server: "received fatal alert: BadCertificate" (Deno) or "…alert bad certificate…" (Node).
  const deno = /received fatal alert: (\w+)/.exec(msg);
  if (deno) return `remote error: tls: ${deno[1].replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase()}`;
  const node = /alert ([a-z ]+?)(?:[:\n]|$)/i.exec(msg);
  if (node && /SSL|TLS/i.test(err.code ?? "")) return `remote error: tls: ${node[1].toLowerCase()}`;
  return undefined;
}

/** True for failures Go's client would report as a dial or read error. */
export function isConnectionCode(code: string | undefined): boolean {
  return ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ECONNRESET", "EPIPE"]
    .includes(code ?? "");
}

/**
 * Sends one request. The header timeout covers connecting and waiting for
 * the headers; the context (total timeout, or Ctrl-C) covers everything.
 */
export function roundTrip(ctx: Ctx, req: HttpRequest, opts: RoundTripOptions): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    if (ctx.signal.aborted) return reject(ctx.error());
    const url = new URL(req.url);
    const secure = url.protocol === "https:";
    const lib = secure ? https : http;
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      ctx.signal.removeEventListener("abort", onAbort);
      fn();
    };
    let request: http.ClientRequest;
    const onAbort = () => {
      finish(() => reject(ctx.error()));
      request?.destroy();
    };
    try {
      request = lib.request({
        method: req.method,
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ""),
        port: url.port || (secure ? 443 : 80),
        path: url.pathname + url.search,
        headers: { ...req.headers, ...(req.body !== undefined ? { "content-length": String(Buffer.byteLength(req.body)) } : {}) },
        agent: false,
        ...(secure ? tlsOptions(opts.tls) : {}),
      }, (res) => {
        if (timer) clearTimeout(timer);
        timer = undefined;
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("error", (err: SystemError) => finish(() => reject(new TransportError(goNetError(err, url.host), isConnectionCode(err.code)))));
        res.on("end", () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v[0] : v;
          }
          finish(() => resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString("utf8") }));
        });
      });
    } catch (err) {
      return reject(new TransportError((err as Error).message, false));
    }
    request.on("error", (err: SystemError) => {
      finish(() => reject(new TransportError(goNetError(err, url.host), isConnectionCode(err.code))));
    });
    ctx.signal.addEventListener("abort", onAbort);
    if (opts.headerTimeoutMs > 0) {
      timer = setTimeout(() => {
        finish(() => reject(opts.onHeaderTimeout()));
        request.destroy();
      }, opts.headerTimeoutMs);
    }
    if (req.body !== undefined) request.write(req.body);
    request.end();
  });
}
