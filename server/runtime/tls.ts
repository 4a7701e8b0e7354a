// TLS material for one member: reads and checks the certificate, key and CA
// files once at start-up (so a bad file is one clear line, not a failed
// handshake later), and gives peer requests a fetch that presents this
// member's peer certificate. Runtime differences stay here: Deno's fetch
// takes a client from Deno.createHttpClient, Node's fetch cannot present a
// client certificate, so there we go through node:https with a keep-alive
// agent.

import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import https from "node:https";
import { Buffer } from "node:buffer";
import type { TlsFiles } from "../config/types.ts";
import type { TlsOptions } from "./serve.ts";

/** A certificate, key or CA file that cannot be used; the message is meant for the user as is. */
export class TlsFileError extends Error {}

/** Which side's files these are, for messages: "client" or "peer". */
export type TlsSide = "client" | "peer";

/**
 * The listener options for one side, or undefined when no certificate is
 * configured. With clientCertAuth the listener requires a certificate
 * signed by trustedCaFile.
 */
export function loadServerTls(files: TlsFiles, side: TlsSide, now = new Date()): TlsOptions | undefined {
  if (!files.certFile && !files.keyFile) return undefined;
  const prefix = side === "peer" ? "peer " : "";
  const cert = readPem(files.certFile, `${prefix}certificate`);
  const key = readPem(files.keyFile, `${prefix}key`);
  checkPair(cert, files.certFile, key, files.keyFile, now);
  if (!files.clientCertAuth) return { cert, key };
  if (!files.trustedCaFile) {
    const flag = side === "peer" ? "--peer-client-cert-auth" : "--client-cert-auth";
    throw new TlsFileError(`${flag} needs a CA to check ${side} certificates against: give --${side === "peer" ? "peer-" : ""}trusted-ca-file`);
  }
  return { cert, key, ca: readCa(files.trustedCaFile, `${prefix}CA`) };
}

/** What outgoing peer requests present and trust. */
export interface PeerClientTls {
  cert?: string;
  key?: string;
  /** PEM of the CA that peers' server certificates must chain to; unset = the system's roots. */
  ca?: string;
}

/** Reads the peer files for outgoing requests; undefined when neither a certificate nor a CA is given. */
export function loadPeerClientTls(files: TlsFiles, now = new Date()): PeerClientTls | undefined {
  const caFile = files.trustedCaFile || files.caFile;
  if (!files.certFile && !caFile) return undefined;
  const out: PeerClientTls = {};
  if (files.certFile) {
    out.cert = readPem(files.certFile, "peer certificate");
    out.key = readPem(files.keyFile, "peer key");
    checkPair(out.cert, files.certFile, out.key, files.keyFile, now);
  }
  if (caFile) out.ca = readCa(caFile, "peer CA");
  return out;
}

type PeerFetch = (url: string, init?: RequestInit) => Promise<Response>;

let peerFetchImpl: PeerFetch = (url, init) => fetch(url, init);

/**
 * Sets how peerFetch reaches https:// peers for the rest of the process;
 * undefined goes back to plain fetch. Call once at start-up.
 */
export function configurePeerTls(tls: PeerClientTls | undefined): void {
  currentPeerTls = tls;
  if (!tls) {
    peerFetchImpl = (url, init) => fetch(url, init);
    return;
  }
  const viaTls = DenoNs?.createHttpClient ? denoPeerFetch(tls) : nodePeerFetch(tls);
  peerFetchImpl = (url, init) => url.startsWith("https:") ? viaTls(url, init) : fetch(url, init);
}

let currentPeerTls: PeerClientTls | undefined;

/** What configurePeerTls was given: the certificate and CA for connections to https:// peers. */
export function peerClientTls(): PeerClientTls | undefined {
  return currentPeerTls;
}

/** fetch for requests to other members: presents our peer certificate on https:// URLs. */
export function peerFetch(url: string, init?: RequestInit): Promise<Response> {
  return peerFetchImpl(url, init);
}

// deno-lint-ignore no-explicit-any
const DenoNs: any = (globalThis as any).Deno;

function denoPeerFetch(tls: PeerClientTls): PeerFetch {
  const client = DenoNs.createHttpClient({
    ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}),
    ...(tls.ca ? { caCerts: [tls.ca] } : {}),
  });
  return (url, init) => fetch(url, { ...init, client } as RequestInit);
}

function nodePeerFetch(tls: PeerClientTls): PeerFetch {
  const agent = new https.Agent({ keepAlive: true, cert: tls.cert, key: tls.key, ca: tls.ca });
  return (url, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const signal = init.signal ?? undefined;
      if (signal?.aborted) return reject(signal.reason);
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((v, k) => (headers[k] = v));
      const body = typeof init.body === "string" ? init.body : init.body == null ? undefined : String(init.body);
      if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
      const req = https.request(url, { method: init.method ?? "GET", headers, agent, signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(", ") : v);
          }
          const status = res.statusCode ?? 500;
          const noBody = status === 204 || status === 304;
          resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, headers: h }));
        });
      });
      req.on("error", reject);
      req.end(body);
    });
}

function readPem(path: string, what: string): string {
  if (!path) throw new TlsFileError(`no ${what} file given`);
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as { code?: string }).code;
    const reason = code === "ENOENT"
      ? "no such file or directory"
      : code === "EACCES"
      ? "permission denied"
      : code === "EISDIR"
      ? "is a directory"
      : (err as Error).message;
    throw new TlsFileError(`cannot read ${what} file ${path}: ${reason}`);
  }
}

function parseCert(pem: string, path: string, what: string): X509Certificate {
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new TlsFileError(`${what} file ${path} holds no PEM certificate`);
  }
  try {
    return new X509Certificate(pem);
  } catch {
    throw new TlsFileError(`${what} file ${path} holds no valid PEM certificate`);
  }
}

/** The certificate parses, is within its validity period, and matches the key. */
function checkPair(certPem: string, certFile: string, keyPem: string, keyFile: string, now: Date): void {
  const cert = parseCert(certPem, certFile, "certificate");
  // deno-lint-ignore no-explicit-any
  let key: any;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new TlsFileError(`key file ${keyFile} holds no valid PEM private key`);
  }
  const notAfter = new Date(Date.parse(cert.validTo));
  const notBefore = new Date(Date.parse(cert.validFrom));
  if (notAfter.getTime() < now.getTime()) {
    throw new TlsFileError(`certificate ${certFile} has expired (valid until ${notAfter.toISOString()})`);
  }
  if (notBefore.getTime() > now.getTime()) {
    throw new TlsFileError(`certificate ${certFile} is not valid yet (valid from ${notBefore.toISOString()})`);
  }
  if (!cert.checkPrivateKey(key)) {
    throw new TlsFileError(`certificate ${certFile} does not match key ${keyFile}: private key does not match public key`);
  }
}

function readCa(path: string, what: string): string {
  const pem = readPem(path, what);
  parseCert(pem, path, what);
  return pem;
}
