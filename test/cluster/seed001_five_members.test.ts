// Seed 001: a five-member cluster grown one member at a time with
// `etcdctl member add` and --initial-cluster-state existing; any two can
// then be lost and writes still succeed.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import process from "node:process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agreedLeader, json, Member, stopAll } from "../helpers/cluster.ts";
import { waitFor } from "../helpers/ports.ts";

const names = ["node-a", "node-b", "node-c", "node-d", "node-e"];
const ip = (i: number) => `127.0.3.${11 + i}`;
const peer = (i: number) => `http://${ip(i)}:2380`;
const client = (i: number) => `http://${ip(i)}:2379`;

function etcdctl(endpoint: string, ...args: string[]): { out: string; code: number } {
  try {
    const out = execFileSync("etcdctl", ["--endpoints", endpoint, ...args], { env: { ...process.env, ETCDCTL_API: "2" }, encoding: "utf8", timeout: 15_000 });
    return { out, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; status?: number };
    return { out: (e.stdout ?? "") + (e.stderr ?? ""), code: e.status ?? -1 };
  }
}

Deno.test({
  name: "seed 001: grow to five members with member add, survive losing two",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const cwd = mkdtempSync(join(tmpdir(), "seed001-"));
    const members: Member[] = [];
    const start = (i: number, initial: string, state: "new" | "existing") => {
      const m = new Member(names[i], [
        `--data-dir=${names[i]}`, "--name", names[i],
        "--initial-advertise-peer-urls", peer(i), "--listen-peer-urls", peer(i),
        "--advertise-client-urls", client(i), "--listen-client-urls", client(i),
        "--initial-cluster", initial, "--initial-cluster-state", state,
        "--heartbeat-interval", "50", "--election-timeout", "500",
      ], client(i), cwd).start();
      members.push(m);
      return m;
    };
    try {
      await t.step("node-a alone: cluster-health, set and get (seed 001's first commands)", async () => {
        await start(0, `node-a=${peer(0)}`, "new").healthy();
        const h = etcdctl(client(0), "cluster-health");
        assert.match(h.out, /member [0-9a-f]+ is healthy: got healthy result from http:\/\/127\.0\.3\.11:2379/);
        assert.match(h.out, /cluster is healthy/);
        assert.equal(etcdctl(client(0), "set", "one", "uno").out, "uno\n");
        assert.equal(etcdctl(client(0), "get", "one").out, "uno\n");
        const miss = etcdctl(client(0), "get", "two");
        assert.equal(miss.code, 4);
        assert.match(miss.out, /^Error:  100: Key not found \(\/two\) \[\d+\]/);
        etcdctl(client(0), "set", "two", "dos");
      });

      await t.step("member add node-b … node-e, each started with existing", async () => {
        let initial = `node-a=${peer(0)}`;
        for (let i = 1; i < 5; i++) {
          const add = etcdctl(client(0), "member", "add", names[i], peer(i));
          assert.equal(add.code, 0, add.out);
          initial += `,${names[i]}=${peer(i)}`;
          assert.match(add.out, new RegExp(`Added member named ${names[i]} with ID [0-9a-f]+ to cluster`));
          assert.ok(add.out.includes(`ETCD_NAME="${names[i]}"`));
          // etcdctl lists members in ID order, so compare the entries as a set.
          const listed = add.out.match(/ETCD_INITIAL_CLUSTER="([^"]*)"/)?.[1] ?? "";
          assert.deepEqual(listed.split(",").sort(), initial.split(",").sort(), add.out);
          assert.ok(add.out.includes(`ETCD_INITIAL_CLUSTER_STATE="existing"`));
          if (i === 1) {
            // Two members, one down: no quorum, so the cluster is not healthy.
            const h = etcdctl(client(0), "cluster-health");
            assert.notEqual(h.code, 0);
            assert.match(h.out, /is unreachable: no available published client urls/);
          }
          await start(i, initial, "existing").healthy();
        }
        await agreedLeader(members);
        const h = etcdctl(client(0), "cluster-health");
        assert.equal(h.code, 0, h.out);
        assert.equal(h.out.match(/^member \S+ is healthy/gm)?.length, 5, h.out);
      });

      await t.step("lose any two (including the leader): writes still succeed", async () => {
        const leaderId = await agreedLeader(members);
        const list = (await json(`${client(0)}/v2/members`)).body.members as { id: string; name: string }[];
        const leaderName = list.find((m) => m.id === leaderId)!.name;
        const victims = [members.find((m) => m.name === leaderName)!, members.find((m) => m.name !== leaderName)!];
        for (const v of victims) await v.kill();
        const alive = members.filter((m) => m.running);
        await agreedLeader(alive);
        for (const m of alive) {
          const r = await json(`${m.clientUrl}/v2/keys/after-${m.name}`, { method: "PUT", body: new URLSearchParams({ value: "ok" }) });
          assert.equal(r.status, 201, `${m.name}: ${r.text}`);
        }
        const g = await json(`${alive[0].clientUrl}/v2/keys/two?quorum=true`);
        assert.equal(g.body.node.value, "dos");
        // And they come back and catch up.
        for (const v of victims) v.start();
        await Promise.all(victims.map((v) => v.healthy()));
        await waitFor(async () => (await json(`${victims[0].clientUrl}/v2/keys/after-${alive[0].name}`)).body?.node?.value === "ok", { timeoutMs: 10_000, what: "catch-up" });
      });
    } finally {
      await stopAll(members);
      rmSync(cwd, { recursive: true, force: true });
    }
  },
});
