// Seed 002 ("etcd clustering step by step") end to end with etcd 2.x flags:
// the standalone-instance mistake, cluster ID mismatch, member count
// unequal, member add + existing, full --initial-cluster bootstrap with a
// stable cluster ID, and the failure cases it walks through.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import process from "node:process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeClusterId, computeMemberId } from "../../server/cluster/ids.ts";
import { agreedLeader, json, Member, stopAll } from "../helpers/cluster.ts";
import { command } from "../helpers/server.ts";
import { waitFor } from "../helpers/ports.ts";

// Each etcd-N gets its own loopback address, as the seed's /etc/hosts does.
const ip = (n: number) => `127.0.2.${n}`;
const peer = (n: number) => `http://${ip(n)}:2380`;
const client = (n: number) => `http://${ip(n)}:2379`;
const cluster = (ns: number[]) => ns.map((n) => `etcd-${n}=${peer(n)}`).join(",");

function etcd(cwd: string, n: number, initial: number[], extra: string[] = []): Member {
  return new Member(`etcd-${n}`, [
    `--name=etcd-${n}`,
    "--listen-peer-urls", peer(n),
    "--listen-client-urls", client(n),
    "--initial-cluster", cluster(initial),
    "--initial-advertise-peer-urls", peer(n),
    "--advertise-client-urls", client(n),
    "--heartbeat-interval", "50", "--election-timeout", "500",
    ...extra,
  ], client(n), cwd);
}

const put = (url: string, key: string, value: string) =>
  json(`${url}/v2/keys/${key}`, { method: "PUT", body: new URLSearchParams({ value }) });

/** Debian's etcdctl (v2 API) against our members. */
function etcdctl(endpoint: string, ...args: string[]): string {
  return execFileSync("etcdctl", ["--endpoints", endpoint, ...args], { env: { ...process.env, ETCDCTL_API: "2" }, encoding: "utf8", timeout: 15_000 });
}

/** Our own `etcd ctl`, as the seed's etcdctl v3 commands. */
function ctl(cwd: string, ...args: string[]): string {
  const [cmd, pre] = command("deno");
  return execFileSync(cmd, [...pre, "ctl", ...args], { cwd, encoding: "utf8", timeout: 30_000, env: { ...process.env, ETCDCTL_API: "3" } });
}

async function memberAdd(via: number, n: number): Promise<void> {
  const out = etcdctl(client(via), "member", "add", `etcd-${n}`, peer(n));
  assert.match(out, new RegExp(`Added member named etcd-${n} with ID [0-9a-f]+ to cluster`));
  assert.match(out, /ETCD_INITIAL_CLUSTER_STATE="existing"/);
}

Deno.test({
  name: "seed 002: clustering step by step and disaster recovery (etcd 2.x flags)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const cwd = mkdtempSync(join(tmpdir(), "seed002-"));
    const all: Member[] = [];
    const track = (m: Member) => (all.push(m), m);
    const wipe = (n: number) => rmSync(join(cwd, `etcd-${n}.etcd`), { recursive: true, force: true });
    try {
      const e1 = track(etcd(cwd, 1, [1]));
      await t.step("the first instance, and a value in it", async () => {
        e1.start();
        await e1.healthy();
        assert.equal((await put(client(1), "foo", "bar")).status, 201);
        assert.ok(existsSync(join(cwd, "etcd-1.etcd")), "default data dir is <name>.etcd");
      });

      await t.step("the standalone-instance mistake: etcd-2 founds a cluster of its own", async () => {
        const e2 = track(etcd(cwd, 2, [2])).start();
        await e2.healthy();
        assert.equal((await json(`${client(2)}/v2/keys/foo`)).status, 404, "etcd-2 does not have foo");
        await e2.kill();
        wipe(2);
      });

      await t.step("listing both in --initial-cluster with state new: cluster ID mismatch, not serving", async () => {
        const e2 = track(etcd(cwd, 2, [1, 2])).start();
        await waitFor(() => /cluster ID mismatch/.test(e2.out) || /cluster ID mismatch/.test(e1.out), { timeoutMs: 15_000, what: "cluster ID mismatch in the logs" });
        assert.ok(e2.running, "a cluster-ID mismatch does not make the member exit");
        await e2.kill();
        wipe(2);
      });

      await t.step("--initial-cluster-state existing before member add: member count is unequal", async () => {
        const e2 = track(etcd(cwd, 2, [1, 2], ["--initial-cluster-state", "existing"])).start();
        assert.equal(await e2.exitCode(), 1);
        assert.match(e2.out, /member count is unequal/);
        assert.equal(e2.out.trim().split("\n").filter((l) => l.startsWith("etcd:")).length, 1, "one line, no stack trace");
        wipe(2);
      });

      await t.step("member add, then existing: etcd-2 and etcd-3 join and serve foo", async () => {
        await memberAdd(1, 2);
        const e2 = track(etcd(cwd, 2, [1, 2], ["--initial-cluster-state", "existing"])).start();
        await e2.healthy();
        await waitFor(async () => (await json(`${client(2)}/v2/keys/foo`)).body?.node?.value === "bar", { timeoutMs: 10_000, what: "foo on etcd-2" });
        await memberAdd(1, 3);
        const e3 = track(etcd(cwd, 3, [1, 2, 3], ["--initial-cluster-state", "existing"])).start();
        await e3.healthy();
        await waitFor(async () => (await json(`${client(3)}/v2/keys/foo`)).body?.node?.value === "bar", { timeoutMs: 10_000, what: "foo on etcd-3" });
        const health = etcdctl(client(1), "cluster-health");
        assert.match(health, /cluster is healthy/);
        await stopAll(all);
        for (const n of [1, 2, 3]) wipe(n);
      });

      const full = [1, 2, 3].map((n) => track(etcd(cwd, n, [1, 2, 3])));
      const ids = [1, 2, 3].map((n) => computeMemberId([peer(n)], "etcd-cluster"));
      await t.step("avoid adding members manually: the full --initial-cluster, a stable cluster ID", async () => {
        for (const m of full) m.start();
        await Promise.all(full.map((m) => m.healthy()));
        const members = await json(`${client(1)}/v2/members`);
        assert.deepEqual(members.body.members.map((m: any) => m.id).sort(), [...ids].sort());
        const cid = (await fetch(`${client(2)}/v2/keys/`)).headers.get("x-etcd-cluster-id");
        assert.equal(cid, computeClusterId(ids));
        assert.equal((await put(client(1), "foo", "bar")).status, 201);
      });

      await t.step("minority failure with data: etcd-1 restarted with its data dir rejoins", async () => {
        await full[0].kill();
        assert.equal((await put(client(2), "during", "outage")).status, 201);
        full[0].start();
        await full[0].healthy();
        await waitFor(async () => (await json(`${client(1)}/v2/keys/during`)).body?.node?.value === "outage", { timeoutMs: 10_000, what: "etcd-1 to catch up" });
      });

      await t.step("minority failure without data: already bootstrapped, then remove + add + existing", async () => {
        await full[0].kill();
        wipe(1);
        full[0].start();
        assert.equal(await full[0].exitCode(), 1);
        assert.match(full[0].out, new RegExp(`member ${ids[0]} has already been bootstrapped`));
        const r = await json(`${client(2)}/v2/members/${ids[0]}`, { method: "DELETE" });
        assert.equal(r.status, 204);
        await memberAdd(2, 1);
        const again = track(etcd(cwd, 1, [1, 2, 3], ["--initial-cluster-state", "existing"])).start();
        await again.healthy();
        await waitFor(async () => (await json(`${client(1)}/v2/keys/foo`)).body?.node?.value === "bar", { timeoutMs: 10_000, what: "foo on the re-added etcd-1" });
        full[0] = again;
      });

      await t.step("majority failure with data: etcd-2 and etcd-3 restarted, everything there", async () => {
        await full[1].kill();
        await full[2].kill();
        full[1].start();
        full[2].start();
        await Promise.all(full.map((m) => m.healthy()));
        await agreedLeader(full);
        assert.equal((await json(`${client(3)}/v2/keys/during?quorum=true`)).body.node.value, "outage");
      });

      await t.step("majority failure without data, with a snapshot: snapshot save, wipe all, snapshot restore, start", async () => {
        const saved = ctl(cwd, "--endpoints", client(3), "snapshot", "save", "snapshot.db");
        assert.equal(saved, "Snapshot saved at snapshot.db\n");
        await stopAll(full);
        for (const n of [1, 2, 3]) wipe(n);
        for (const n of [1, 2, 3]) {
          const out = ctl(cwd, "snapshot", "restore", "snapshot.db", "--name", `etcd-${n}`, "--initial-cluster", cluster([1, 2, 3]), "--initial-advertise-peer-urls", peer(n));
          assert.match(out, new RegExp(`into etcd-${n}\\.etcd as member ${ids[n - 1]} of new cluster`));
        }
        for (let i = 0; i < 3; i++) full[i] = track(etcd(cwd, i + 1, [1, 2, 3]));
        for (const m of full) m.start();
        await Promise.all(full.map((m) => m.healthy()));
        assert.equal((await json(`${client(2)}/v2/keys/foo?quorum=true`)).body.node.value, "bar");
        assert.equal((await json(`${client(1)}/v2/keys/during`)).body.node.value, "outage");
        const members = (await json(`${client(1)}/v2/members`)).body.members;
        assert.deepEqual(members.map((m: any) => m.name).sort(), ["etcd-1", "etcd-2", "etcd-3"]);
        assert.equal((await put(client(3), "restored", "yes")).status, 201);
      });

      await t.step("majority failure without data: --force-new-cluster on the survivor, then add the others back", async () => {
        await full[1].kill();
        await full[2].kill();
        wipe(2);
        wipe(3);
        await full[0].kill();
        const solo = track(etcd(cwd, 1, [1, 2, 3], ["--force-new-cluster"])).start();
        await solo.healthy();
        const members = await json(`${client(1)}/v2/members`);
        assert.equal(members.body.members.length, 1);
        assert.equal((await json(`${client(1)}/v2/keys/foo`)).body.node.value, "bar", "data kept");
        await memberAdd(1, 2);
        const b = track(etcd(cwd, 2, [1, 2], ["--initial-cluster-state", "existing"])).start();
        await b.healthy();
        await memberAdd(1, 3);
        const c = track(etcd(cwd, 3, [1, 2, 3], ["--initial-cluster-state", "existing"])).start();
        await c.healthy();
        await waitFor(async () => (await json(`${client(3)}/v2/keys/foo`)).body?.node?.value === "bar", { timeoutMs: 10_000, what: "foo on the new etcd-3" });
        assert.match(etcdctl(client(1), "cluster-health"), /cluster is healthy/);
      });
    } finally {
      await stopAll(all);
      rmSync(cwd, { recursive: true, force: true });
    }
  },
});
