// Certificates for the TLS tests, made with openssl in a temp dir at test
// time (no private keys live in the repo): a CA; a server certificate and a
// peer certificate (serverAuth + clientAuth, valid for the loopback IPs the
// tests use); a client certificate (clientAuth only); a peer certificate
// from a different CA; an expired server certificate.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Certs {
  dir: string;
  ca: string;
  server: string;
  serverKey: string;
  peer: string;
  peerKey: string;
  client: string;
  clientKey: string;
  /** A peer certificate signed by another CA, and that CA. */
  foreignCa: string;
  foreignPeer: string;
  foreignPeerKey: string;
  /** Signed by ca, valid until yesterday; its key is serverKey. */
  expired: string;
  remove(): void;
}

function openssl(dir: string, ...args: string[]): void {
  const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (r.error) throw new Error(`openssl: ${r.error.message} (apt-get install openssl)`);
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
}

const SANS = [
  "DNS:localhost",
  "IP:127.0.0.1",
  ...Array.from({ length: 10 }, (_, i) => `IP:127.0.0.${20 + i}`),
].join(",");

let serial = 1;

function newCa(dir: string, name: string): void {
  openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${name}-key.pem`, "-out", `${name}.pem`, "-days", "2", "-subj", `/CN=${name}`);
}

/** A key and a certificate for it signed by `ca`, valid for `days` (negative: already expired). */
function issue(dir: string, ca: string, name: string, ext: string, days = 2, keyName = name): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  if (keyName === name) {
    openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${name}-key.pem`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
  } else {
    openssl(dir, "req", "-new", "-key", `${keyName}-key.pem`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
  }
  openssl(dir, "x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.pem`, "-CAkey", `${ca}-key.pem`, "-set_serial", String(serial++), "-out", `${name}.pem`, "-days", String(days), "-extfile", `${name}.ext`);
}

export function makeCerts(): Certs {
  const dir = mkdtempSync(join(tmpdir(), "etcd-tls-"));
  const both = `subjectAltName=${SANS}\nextendedKeyUsage=serverAuth,clientAuth\n`;
  newCa(dir, "ca");
  newCa(dir, "foreign-ca");
  issue(dir, "ca", "server", both);
  issue(dir, "ca", "peer", both);
  issue(dir, "ca", "client", "extendedKeyUsage=clientAuth\n");
  issue(dir, "foreign-ca", "foreign-peer", both);
  issue(dir, "ca", "expired", both, -1, "server");
  const p = (f: string) => join(dir, f);
  return {
    dir,
    ca: p("ca.pem"),
    server: p("server.pem"),
    serverKey: p("server-key.pem"),
    peer: p("peer.pem"),
    peerKey: p("peer-key.pem"),
    client: p("client.pem"),
    clientKey: p("client-key.pem"),
    foreignCa: p("foreign-ca.pem"),
    foreignPeer: p("foreign-peer.pem"),
    foreignPeerKey: p("foreign-peer-key.pem"),
    expired: p("expired.pem"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
