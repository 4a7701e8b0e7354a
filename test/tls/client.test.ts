// HTTPS for clients on one member, on both runtimes: the seed README's curl
// commands with etcd 0.2's -cert-file/-key-file/-ca-file, etcd 2.x's
// --client-cert-auth --trusted-ca-file, etcd ctl and Debian's etcdctl with
// certificates, the dashboard over https, and --cors.

import assert from "node:assert/strict";
import { join } from "node:path";
import { freePort } from "../helpers/ports.ts";
import type { Runtime } from "../helpers/server.ts";
import { ETCDCTL_BIN, ETCDCTL_MISSING, runEtcdctl, runOurs } from "../ctl/helpers.ts";
import { existsSync } from "node:fs";
import { makeCerts } from "./certs.ts";
import { curl, REFUSED, request, startMember, waitHealthy } from "./proc.ts";

const HOSTS: Record<Runtime, string> = { deno: "127.0.0.22", node: "127.0.0.23" };


for (const runtime of ["deno", "node"] as Runtime[]) {
  Deno.test({
    name: `TLS clients (${runtime}): https, client certificates, etcdctl, dashboard, cors`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      if (!existsSync(ETCDCTL_BIN)) throw new Error(ETCDCTL_MISSING);
      const c = makeCerts();
      const host = HOSTS[runtime];
      try {
        await t.step("etcd 0.2 flags: -ca-file requires a client certificate", async () => {
          const [cp, pp] = [await freePort(host), await freePort(host)];
          const url = `https://${host}:${cp}`;
          const m = startMember(runtime, [
            "-f", "-name", "machine0", "-data-dir", join(c.dir, `m0-${runtime}`),
            "-ca-file", c.ca, "-cert-file", c.server, "-key-file", c.serverKey,
            "-addr", `${host}:${cp}`, "-bind-addr", `${host}:${cp}`,
            "-peer-addr", `${host}:${pp}`, "-peer-bind-addr", `${host}:${pp}`,
          ]);
          try {
            await waitHealthy(m, url, { ca: c.ca, cert: c.client, key: c.clientKey });
            // Without a client certificate the server refuses the handshake.
            const refused = curl("--cacert", c.ca, `${url}/v2/keys/foo`, "-XPUT", "-d", "value=bar", "-v");
            assert.notEqual(refused.code, 0);
            assert.match(refused.stderr, REFUSED);
            assert.doesNotMatch(refused.stdout, /action/);
            // With the CA-signed client certificate it serves.
            const ok = curl("--key", c.clientKey, "--cert", c.client, "--cacert", c.ca, "-L", `${url}/v2/keys/foo`, "-XPUT", "-d", "value=bar", "-v");
            assert.equal(ok.code, 0, ok.stderr);
            assert.match(ok.stderr, /TLS handshake, Finished/);
            assert.equal(JSON.parse(ok.stdout).node.value, "bar");
            // A certificate from another CA is refused too.
            await assert.rejects(request(`${url}/v2/keys/foo`, { ca: c.ca, cert: c.foreignPeer, key: c.foreignPeerKey }));
            // The advertised client URL is https.
            const members = JSON.parse((await request(`${url}/v2/members`, { ca: c.ca, cert: c.client, key: c.clientKey })).body);
            assert.deepEqual(members.members[0].clientURLs, [url]);
            // The dashboard is served by the same listener.
            const dash = await request(`${url}/mod/dashboard/`, { ca: c.ca, cert: c.client, key: c.clientKey });
            assert.equal(dash.status, 200);
            assert.match(dash.body, /<html/i);
          } finally {
            await m.stop();
          }
        });

        await t.step("etcd 2.x flags: --client-cert-auth --trusted-ca-file; etcd ctl and etcdctl", async () => {
          const [cp, pp] = [await freePort(host), await freePort(host)];
          const url = `https://${host}:${cp}`;
          const peer = `http://${host}:${pp}`;
          const m = startMember(runtime, [
            "--name", "two", "--data-dir", join(c.dir, `two-${runtime}`),
            "--cert-file", c.server, "--key-file", c.serverKey, "--client-cert-auth", "--trusted-ca-file", c.ca,
            "--listen-client-urls", url, "--advertise-client-urls", url,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `two=${peer}`,
          ]);
          try {
            await waitHealthy(m, url, { ca: c.ca, cert: c.client, key: c.clientKey });
            const refused = curl("--cacert", c.ca, `${url}/v2/keys/foo`);
            assert.notEqual(refused.code, 0);
            assert.match(refused.stderr, REFUSED);
            // A long-poll watch through the client-certificate listener (node:https on Deno too).
            const mine = { ca: c.ca, cert: c.client, key: c.clientKey };
            const watch = request(`${url}/v2/keys/watched?wait=true`, mine);
            await new Promise((r) => setTimeout(r, 200));
            await request(`${url}/v2/keys/watched`, mine, { method: "PUT", body: "value=seen" });
            const event = JSON.parse((await watch).body);
            assert.equal(event.node.value, "seen");
            const files = ["--endpoints", url, "--ca-file", c.ca, "--cert-file", c.client, "--key-file", c.clientKey];
            const set = await runOurs([...files, "set", "/tls/ours", "1"], { timeoutMs: 10_000 });
            assert.equal(set.code, 0, set.stderr);
            const theirs = await runEtcdctl([...files, "set", "/tls/theirs", "2"], { timeoutMs: 10_000 });
            assert.equal(theirs.code, 0, theirs.stderr);
            assert.equal((await runEtcdctl([...files, "get", "/tls/ours"], { timeoutMs: 10_000 })).stdout.trim(), "1");
            assert.equal((await runOurs([...files, "get", "/tls/theirs"], { timeoutMs: 10_000 })).stdout.trim(), "2");
            const health = await runEtcdctl([...files, "cluster-health"], { timeoutMs: 10_000 });
            assert.equal(health.code, 0, health.stdout + health.stderr);
            assert.match(health.stdout, /cluster is healthy/);
            // Debian's etcdctl without a client certificate fails.
            const without = await runEtcdctl(["--endpoints", url, "--ca-file", c.ca, "get", "/tls/ours"], { timeoutMs: 10_000 });
            assert.notEqual(without.code, 0);
          } finally {
            await m.stop();
          }
        });

        await t.step("https without client certificates; --cors lists who gets the headers", async () => {
          const [cp, pp] = [await freePort(host), await freePort(host)];
          const url = `https://${host}:${cp}`;
          const peer = `http://${host}:${pp}`;
          const m = startMember(runtime, [
            "--name", "cors", "--data-dir", join(c.dir, `cors-${runtime}`),
            "--cert-file", c.server, "--key-file", c.serverKey, "--cors", "https://good.example",
            "--listen-client-urls", url, "--advertise-client-urls", url,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `cors=${peer}`,
          ]);
          try {
            await waitHealthy(m, url, { ca: c.ca });
            const put = curl("--cacert", c.ca, `${url}/v2/keys/foo`, "-XPUT", "-d", "value=bar");
            assert.equal(put.code, 0, put.stderr);
            assert.equal(JSON.parse(put.stdout).action, "set");
            // An untrusting client sees an unknown CA.
            const untrusted = curl(`${url}/v2/keys/foo`);
            assert.equal(untrusted.code, 60, untrusted.stderr);
            const good = await request(`${url}/v2/keys/foo`, { ca: c.ca }, { headers: { origin: "https://good.example" } });
            assert.equal(good.status, 200);
            assert.equal(good.headers["access-control-allow-origin"], "https://good.example");
            const bad = await request(`${url}/v2/keys/foo`, { ca: c.ca }, { headers: { origin: "https://evil.example" } });
            assert.equal(bad.status, 200);
            assert.equal(bad.headers["access-control-allow-origin"], undefined);
            const preflight = await request(`${url}/v2/keys/foo`, { ca: c.ca }, { method: "OPTIONS", headers: { origin: "https://good.example" } });
            assert.equal(preflight.headers["access-control-allow-origin"], "https://good.example");
            assert.match(String(preflight.headers["access-control-allow-methods"]), /PUT/);
          } finally {
            await m.stop();
          }
        });
      } finally {
        c.remove();
      }
    },
  });
}
