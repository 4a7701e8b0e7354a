// loadServerTls / loadPeerClientTls: every unusable file is one clear line.

import assert from "node:assert/strict";
import { join } from "node:path";
import type { TlsFiles } from "../../server/config/types.ts";
import { loadPeerClientTls, loadServerTls, TlsFileError } from "../../server/runtime/tls.ts";
import { makeCerts } from "./certs.ts";

function files(f: Partial<TlsFiles>): TlsFiles {
  return { certFile: "", keyFile: "", caFile: "", clientCertAuth: false, trustedCaFile: "", ...f };
}

Deno.test("TLS files: good files load, problems are named", () => {
  const c = makeCerts();
  try {
    assert.equal(loadServerTls(files({}), "client"), undefined);
    const plain = loadServerTls(files({ certFile: c.server, keyFile: c.serverKey }), "client")!;
    assert.match(plain.cert, /BEGIN CERTIFICATE/);
    assert.equal(plain.ca, undefined);
    const auth = loadServerTls(files({ certFile: c.server, keyFile: c.serverKey, clientCertAuth: true, trustedCaFile: c.ca }), "client")!;
    assert.match(auth.ca!, /BEGIN CERTIFICATE/);

    const fails = (f: Partial<TlsFiles>, re: RegExp, side: "client" | "peer" = "client") =>
      assert.throws(() => loadServerTls(files(f), side), (e: Error) => e instanceof TlsFileError && re.test(e.message) && !e.message.includes("\n"));
    const missing = join(c.dir, "nope.pem");
    fails({ certFile: missing, keyFile: c.serverKey }, /^cannot read certificate file .*nope\.pem: no such file or directory$/);
    fails({ certFile: c.server, keyFile: missing }, /^cannot read key file .*: no such file or directory$/);
    fails({ certFile: c.dir, keyFile: c.serverKey }, /^cannot read certificate file .*: is a directory$/);
    fails({ certFile: c.server, keyFile: c.clientKey }, /does not match key .*client-key\.pem/);
    fails({ certFile: c.expired, keyFile: c.serverKey }, /certificate .*expired\.pem has expired/);
    fails({ certFile: c.serverKey, keyFile: c.serverKey }, /holds no PEM certificate/);
    fails({ certFile: c.server, keyFile: c.server }, /holds no valid PEM private key/);
    fails({ certFile: c.server, keyFile: c.serverKey, clientCertAuth: true }, /--client-cert-auth needs a CA .*--trusted-ca-file/);
    fails({ certFile: c.peer, keyFile: c.peerKey, clientCertAuth: true, trustedCaFile: missing }, /^cannot read peer CA file/, "peer");

    assert.equal(loadPeerClientTls(files({})), undefined);
    const peer = loadPeerClientTls(files({ certFile: c.peer, keyFile: c.peerKey, caFile: c.ca }))!;
    assert.ok(peer.cert && peer.key && peer.ca);
    assert.throws(() => loadPeerClientTls(files({ certFile: c.expired, keyFile: c.serverKey })), /has expired/);
  } finally {
    c.remove();
  }
});
