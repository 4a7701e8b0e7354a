// TLS between members: a 3-member cluster (Deno, Node and Deno, so both
// runtimes' outgoing peer requests are used) where members authenticate each
// other with peer certificates, one of them configured with etcd 0.2's
// -peer-*-file flags. A member whose certificate comes from another CA can
// neither join nor deliver raft messages; one with a certificate from the
// right CA joins later (Node) and catches up.

import assert from "node:assert/strict";
import { join } from "node:path";
import { waitFor } from "../helpers/ports.ts";
import { freePort } from "../helpers/ports.ts";
import type { Runtime } from "../helpers/server.ts";
import { makeCerts } from "./certs.ts";
import { curl, type Member, REFUSED, request, startMember, waitHealthy } from "./proc.ts";

interface Spec {
  name: string;
  host: string;
  runtime: Runtime;
  legacyFlags: boolean;
}

const SPECS: Spec[] = [
  { name: "a", host: "127.0.0.24", runtime: "deno", legacyFlags: false },
  { name: "b", host: "127.0.0.25", runtime: "node", legacyFlags: false },
  { name: "c", host: "127.0.0.26", runtime: "deno", legacyFlags: true },
];

Deno.test({
  name: "TLS peers: mutual authentication in a 3-member cluster; a foreign certificate is refused",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const c = makeCerts();
    const members: Member[] = [];
    try {
      const ports = await Promise.all(SPECS.map(async (s) => ({ client: await freePort(s.host), peer: await freePort(s.host) })));
      const clientUrl = (i: number) => `https://${SPECS[i].host}:${ports[i].client}`;
      const peerUrl = (i: number) => `https://${SPECS[i].host}:${ports[i].peer}`;
      const cluster = SPECS.map((s, i) => `${s.name}=${peerUrl(i)}`).join(",");
      const trust = { ca: c.ca };

      await t.step("three members form a cluster over mutually authenticated TLS", async () => {
        SPECS.forEach((s, i) => {
          const peerFlags = s.legacyFlags
            ? ["-peer-cert-file", c.peer, "-peer-key-file", c.peerKey, "-peer-ca-file", c.ca]
            : ["--peer-cert-file", c.peer, "--peer-key-file", c.peerKey, "--peer-client-cert-auth", "--peer-trusted-ca-file", c.ca];
          members.push(startMember(s.runtime, [
            "--name", s.name, "--data-dir", join(c.dir, s.name),
            "--cert-file", c.server, "--key-file", c.serverKey,
            ...peerFlags,
            "--listen-client-urls", clientUrl(i), "--advertise-client-urls", clientUrl(i),
            "--listen-peer-urls", peerUrl(i), "--initial-advertise-peer-urls", peerUrl(i),
            "--initial-cluster", cluster, "--initial-cluster-token", "tls-peers",
          ]));
        });
        await Promise.all(members.map((m, i) => waitHealthy(m, clientUrl(i), trust)));
        const put = await request(`${clientUrl(2)}/v2/keys/peer-tls`, trust, { method: "PUT", body: "value=yes" });
        assert.equal(put.status, 201, put.body);
        for (const i of [0, 1]) {
          const got = await request(`${clientUrl(i)}/v2/keys/peer-tls?quorum=true`, trust);
          assert.equal(JSON.parse(got.body).node.value, "yes");
        }
        const list = JSON.parse((await request(`${clientUrl(1)}/v2/members`, trust)).body).members;
        assert.deepEqual(list.map((m: { peerURLs: string[] }) => m.peerURLs[0]).sort(), SPECS.map((_, i) => peerUrl(i)).sort());
      });

      await t.step("peer listeners refuse clients without a CA-signed certificate", () => {
        const raft = `${peerUrl(0)}/raft`;
        const none = curl("--cacert", c.ca, "-XPOST", raft, "-d", "[]");
        assert.notEqual(none.code, 0);
        assert.match(none.stderr, REFUSED);
        assert.equal(none.stdout, "");
        const foreign = curl("--cacert", c.ca, "--cert", c.foreignPeer, "--key", c.foreignPeerKey, "-XPOST", raft, "-d", "[]");
        assert.notEqual(foreign.code, 0);
        assert.match(foreign.stderr, REFUSED);
        assert.equal(foreign.stdout, "");
        // The control: a peer certificate gets through the handshake.
        const ok = curl("--cacert", c.ca, "--cert", c.peer, "--key", c.peerKey, `${peerUrl(0)}/members`);
        assert.equal(ok.code, 0, ok.stderr);
        assert.equal(JSON.parse(ok.stdout).length, 3);
      });

      await t.step("a member with a certificate from another CA cannot join", async () => {
        const host = "127.0.0.27";
        const [cp, pp] = [await freePort(host), await freePort(host)];
        const dPeer = `https://${host}:${pp}`;
        const dClient = `https://${host}:${cp}`;
        const added = await request(`${clientUrl(0)}/v2/members`, trust, {
          method: "POST",
          body: JSON.stringify({ peerURLs: [dPeer] }),
          headers: { "content-type": "application/json" },
        });
        assert.equal(added.status, 201, added.body);
        const d = startMember("deno", [
          "--name", "d", "--data-dir", join(c.dir, "d"),
          "--cert-file", c.server, "--key-file", c.serverKey,
          "--peer-cert-file", c.foreignPeer, "--peer-key-file", c.foreignPeerKey,
          "--peer-client-cert-auth", "--peer-trusted-ca-file", c.ca,
          "--listen-client-urls", dClient, "--advertise-client-urls", dClient,
          "--listen-peer-urls", dPeer, "--initial-advertise-peer-urls", dPeer,
          "--initial-cluster", `${cluster},d=${dPeer}`, "--initial-cluster-state", "existing",
          "--initial-cluster-token", "tls-peers",
        ]);
        members.push(d);
        const code = await d.exited(25_000);
        assert.equal(code, 1, `d should have given up: ${d.output()}`);
        assert.match(d.output(), /etcd: cannot fetch cluster info from peer urls/);
        // The three keep working without it (3 of 4 is a quorum).
        await waitFor(async () => {
          const r = await request(`${clientUrl(1)}/v2/keys/after`, trust, { method: "PUT", body: "value=1" }).catch(() => null);
          return r?.status === 201;
        }, { timeoutMs: 10_000, intervalMs: 200, what: "a write after the refused join" });
        const gone = await request(`${clientUrl(0)}/v2/members/${JSON.parse(added.body).id}`, trust, { method: "DELETE" });
        assert.equal(gone.status, 204, gone.body);
      });

      await t.step("a member with a CA-signed certificate joins and catches up", async () => {
        for (let i = 0; i < 60; i++) {
          const r = await request(`${clientUrl(i % 3)}/v2/keys/fill/${i % 7}`, trust, { method: "PUT", body: `value=${i}` });
          assert.ok(r.status === 200 || r.status === 201, r.body);
        }
        const host = "127.0.0.27";
        const [cp, pp] = [await freePort(host), await freePort(host)];
        const ePeer = `https://${host}:${pp}`;
        const eClient = `https://${host}:${cp}`;
        const added = await request(`${clientUrl(1)}/v2/members`, trust, {
          method: "POST",
          body: JSON.stringify({ peerURLs: [ePeer] }),
          headers: { "content-type": "application/json" },
        });
        assert.equal(added.status, 201, added.body);
        const e = startMember("node", [
          "--name", "e", "--data-dir", join(c.dir, "e"),
          "--cert-file", c.server, "--key-file", c.serverKey,
          "--peer-cert-file", c.peer, "--peer-key-file", c.peerKey,
          "--peer-client-cert-auth", "--peer-trusted-ca-file", c.ca,
          "--listen-client-urls", eClient, "--advertise-client-urls", eClient,
          "--listen-peer-urls", ePeer, "--initial-advertise-peer-urls", ePeer,
          "--initial-cluster", `${cluster},e=${ePeer}`, "--initial-cluster-state", "existing",
          "--initial-cluster-token", "tls-peers",
        ]);
        members.push(e);
        await waitHealthy(e, eClient, trust);
        await waitFor(async () => {
          const r = await request(`${eClient}/v2/keys/fill/6`, trust).catch(() => null);
          return r?.status === 200 && JSON.parse(r.body).node.value === "55";
        }, { timeoutMs: 10_000, intervalMs: 100, what: "the new member to catch up" });
      });
    } finally {
      await Promise.all(members.map((m) => m.stop()));
      c.remove();
    }
  },
});
