// etcd 0.2's clustering guide (seeds 000 and 004), step by step, with its
// own flags: three machines joined with -peers, machines and leader lists,
// writes on any member, killing the leader, and restarting everything.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agreedLeader, json, Member, stopAll } from "../helpers/cluster.ts";
import { waitFor } from "../helpers/ports.ts";

const IP = "127.0.1.1"; // a loopback address of its own, so the seed's ports cannot clash with other tests

function machine(cwd: string, n: number, peers: string | null): Member {
  const args = ["-peer-addr", `${IP}:700${n}`, "-addr", `${IP}:400${n}`];
  if (peers) args.push("-peers", peers);
  args.push("-data-dir", `machines/machine${n}`, "-name", `machine${n}`,
    // The seed's tuning section: etcd 0.2 timings, in the 0.2 flag style.
    "-peer-heartbeat-timeout", "50", "-peer-election-timeout", "500");
  return new Member(`machine${n}`, args, `http://${IP}:400${n}`, cwd);
}

Deno.test({
  name: "seed 000: a three-machine cluster in etcd 0.2 style",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const cwd = mkdtempSync(join(tmpdir(), "seed000-"));
    const m = [
      machine(cwd, 1, null),
      machine(cwd, 2, `${IP}:7001,${IP}:7003`),
      machine(cwd, 3, `${IP}:7001,${IP}:7002`),
    ];
    try {
      await t.step("start machine1, then join machine2 and machine3 through -peers", async () => {
        m[0].start();
        await m[0].healthy();
        m[1].start();
        await m[1].healthy();
        m[2].start();
        await m[2].healthy();
      });

      await t.step("/v2/machines and /v2/keys/_etcd/machines list the three", async () => {
        await waitFor(async () => (await json(`${m[0].clientUrl}/v2/machines`)).text.split(", ").length === 3, { timeoutMs: 10_000, what: "three machines" });
        const r = await json(`${m[0].clientUrl}/v2/machines`);
        assert.equal(r.text, `http://${IP}:4001, http://${IP}:4002, http://${IP}:4003`);
        const k = await json(`${m[0].clientUrl}/v2/keys/_etcd/machines`);
        assert.equal(k.body.action, "get");
        assert.equal(k.body.node.key, "/_etcd/machines");
        assert.equal(k.body.node.dir, true);
        assert.deepEqual(
          k.body.node.nodes.map((n: any) => [n.key, n.value, n.createdIndex]),
          [1, 2, 3].map((i) => [`/_etcd/machines/machine${i}`, `raft=http://${IP}:700${i}&etcd=http://${IP}:400${i}`, i]),
        );
      });

      await t.step("/v2/leader is machine1's peer URL; a set gets index 4 and reads back everywhere", async () => {
        const l = await json(`${m[0].clientUrl}/v2/leader`);
        assert.equal(l.text, `http://${IP}:7001`);
        const s = await json(`${m[0].clientUrl}/v2/keys/foo`, { method: "PUT", body: new URLSearchParams({ value: "bar" }) });
        assert.deepEqual(s.body, { action: "set", node: { key: "/foo", value: "bar", modifiedIndex: 4, createdIndex: 4 } });
        for (const x of m) {
          const g = await json(`${x.clientUrl}/v2/keys/foo?quorum=true`);
          assert.equal(g.body.node.value, "bar", `${x.name} quorum read`);
        }
        // A write on a follower is forwarded: no redirect needed.
        const f = await json(`${m[2].clientUrl}/v2/keys/fromfollower`, { method: "PUT", body: new URLSearchParams({ value: "ok" }) });
        assert.equal(f.status, 201);
        assert.equal(f.body.node.value, "ok");
      });

      await t.step("a member under a name a live member already has is refused", async () => {
        const dup = new Member("dup", ["-peer-addr", `${IP}:7009`, "-addr", `${IP}:4009`, "-peers", `${IP}:7001`, "-data-dir", "machines/dup", "-name", "machine2"], `http://${IP}:4009`, cwd).start();
        const code = await dup.exitCode();
        assert.equal(code, 1);
        assert.match(dup.out, /name "machine2" is already used by live member/);
      });

      await t.step("kill -9 the leader: the others elect a new one and still serve foo", async () => {
        await m[0].kill("SIGKILL");
        const leader = await waitFor(async () => {
          const r = await json(`${m[1].clientUrl}/v2/leader`);
          return r.status === 200 && r.text !== `http://${IP}:7001` ? r.text : null;
        }, { timeoutMs: 15_000, what: "a new leader" });
        assert.ok([`http://${IP}:7002`, `http://${IP}:7003`].includes(leader), leader);
        const g = await json(`${m[1].clientUrl}/v2/keys/foo`);
        assert.equal(g.body.node.value, "bar");
        const w = await json(`${m[1].clientUrl}/v2/keys/afterkill`, { method: "PUT", body: new URLSearchParams({ value: "1" }) });
        assert.equal(w.status, 201, "two of three still take writes");
      });

      await t.step("the killed machine rejoins with its old name and data dir", async () => {
        m[0].start();
        await m[0].healthy();
        await waitFor(async () => (await json(`${m[0].clientUrl}/v2/keys/afterkill`)).body?.node?.value === "1", { timeoutMs: 10_000, what: "machine1 to catch up" });
      });

      await t.step("stop every machine, rerun the same commands: the data is there", async () => {
        await Promise.all(m.map((x) => x.kill("SIGTERM")));
        for (const x of m) x.start();
        await Promise.all(m.map((x) => x.healthy()));
        await agreedLeader(m);
        const g = await json(`${m[1].clientUrl}/v2/keys/foo`);
        assert.deepEqual(g.body, { action: "get", node: { key: "/foo", value: "bar", modifiedIndex: 4, createdIndex: 4 } });
      });

      await t.step("a machine restarted with a new peer address is updated (majority alive)", async () => {
        await m[2].kill("SIGTERM");
        m[2].args = m[2].args.map((a) => (a === `${IP}:7003` ? `${IP}:7013` : a));
        m[2].start();
        await m[2].healthy().catch((err) => {
          throw new Error(`${err.message}\n${m.map((x) => x.out.split("\n").slice(-12).join("\n")).join("\n----\n")}`);
        });
        await waitFor(async () => {
          const k = await json(`${m[0].clientUrl}/v2/keys/_etcd/machines/machine3`);
          return k.body?.node?.value === `raft=http://${IP}:7013&etcd=http://${IP}:4003`;
        }, { timeoutMs: 15_000, what: "machine3's new peer address in /_etcd/machines" });
        const members = await json(`${m[0].clientUrl}/v2/members`);
        assert.deepEqual(members.body.members.find((x: any) => x.name === "machine3").peerURLs, [`http://${IP}:7013`]);
        const w = await json(`${m[2].clientUrl}/v2/keys/moved`, { method: "PUT", body: new URLSearchParams({ value: "yes" }) });
        assert.equal(w.status, 201);
        assert.equal((await json(`${m[0].clientUrl}/v2/keys/moved?quorum=true`)).body.node.value, "yes");
      });
    } finally {
      await stopAll(m);
      rmSync(cwd, { recursive: true, force: true });
    }
  },
});
