// Unusable certificate or key files stop the member at start-up with one
// line, `etcd: ...`, exit code 1, no stack trace, and before the data dir is
// created. Both runtimes, both flag generations.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../helpers/ports.ts";
import type { Runtime } from "../helpers/server.ts";
import { makeCerts } from "./certs.ts";
import { startMember } from "./proc.ts";

const HOSTS: Record<Runtime, string> = { deno: "127.0.0.28", node: "127.0.0.29" };

for (const runtime of ["deno", "node"] as Runtime[]) {
  Deno.test({
    name: `TLS startup errors (${runtime}): missing, mismatched, expired files`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const c = makeCerts();
      const host = HOSTS[runtime];
      try {
        const missing = join(c.dir, "missing.pem");
        const cases: { flags: string[]; message: RegExp }[] = [
          { flags: ["--cert-file", missing, "--key-file", c.serverKey], message: /^etcd: cannot read certificate file .*missing\.pem: no such file or directory$/ },
          { flags: ["-cert-file", c.server, "-key-file", missing], message: /^etcd: cannot read key file .*missing\.pem: no such file or directory$/ },
          { flags: ["--cert-file", c.server, "--key-file", c.clientKey], message: /^etcd: certificate .*server\.pem does not match key .*client-key\.pem/ },
          { flags: ["--cert-file", c.expired, "--key-file", c.serverKey], message: /^etcd: certificate .*expired\.pem has expired \(valid until / },
          { flags: ["-peer-cert-file", c.expired, "-peer-key-file", c.serverKey], message: /^etcd: certificate .*expired\.pem has expired/ },
          { flags: ["--peer-cert-file", c.peer, "--peer-key-file", c.peerKey, "--peer-client-cert-auth"], message: /^etcd: --peer-client-cert-auth needs a CA .*--peer-trusted-ca-file$/ },
          { flags: ["-cert-file", c.server, "-key-file", c.serverKey, "-ca-file", missing], message: /^etcd: cannot read CA file .*missing\.pem: no such file or directory$/ },
          { flags: ["--cert-file", c.server, "--key-file", c.serverKey, "--client-cert-auth", "--trusted-ca-file", c.serverKey], message: /^etcd: CA file .*server-key\.pem holds no PEM certificate$/ },
        ];
        for (const [i, k] of cases.entries()) {
          const dataDir = join(c.dir, `data-${i}`);
          const [cp, pp] = [await freePort(host), await freePort(host)];
          const has = (flag: string) => k.flags.includes(`-${flag}`) || k.flags.includes(`--${flag}`);
          const client = `${has("cert-file") ? "https" : "http"}://${host}:${cp}`;
          const peer = `${has("peer-cert-file") ? "https" : "http"}://${host}:${pp}`;
          const m = startMember(runtime, [
            "--name", "bad", "--data-dir", dataDir,
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `bad=${peer}`,
            ...k.flags,
          ]);
          const code = await m.exited(15_000);
          if (code === null) await m.stop();
          const what = `${k.flags.join(" ")}: ${m.output()}`;
          assert.equal(code, 1, what);
          const lines = m.output().trim().split("\n");
          assert.equal(lines.length, 1, what);
          assert.match(lines[0], k.message, what);
          assert.equal(existsSync(dataDir), false, `data dir created: ${what}`);
        }
      } finally {
        c.remove();
      }
    },
  });
}
