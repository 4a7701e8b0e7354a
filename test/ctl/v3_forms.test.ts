// The etcdctl v3 command forms the seeds use (seed 002), carried over our
// v2 API: their output is compared with Debian's etcdctl v3 talking gRPC to
// real etcd 3.4, the seed's jq pipelines run on it, and member add/remove
// with --peer-urls and a jq-extracted ID work on a three-member cluster.

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ETCD_MISSING, etcdAvailable, startRealEtcd } from "../helpers/etcd_real.ts";
import { agreedLeader, Member, stopAll } from "../helpers/cluster.ts";
import { freePort, waitFor } from "../helpers/ports.ts";
import { cleanup, runtimesUnderTest, startServer } from "../helpers/server.ts";
import { clusterIds, ETCDCTL_BIN, ETCDCTL_MISSING, root, runEtcdctl, runOurs, runProcess, substitute, waitPublished } from "./helpers.ts";

const v3 = { env: { ETCDCTL_API: "3" } };

/** Hex and decimal spellings of an ID, both mapped to one token. */
function idForms(hex: string, token: string): Record<string, string> {
  return { [hex]: token, [BigInt("0x" + hex).toString(10)]: token };
}

const JQ = "/usr/bin/jq";

Deno.test({
  name: "etcdctl v3 forms: put, get, member list (-w json, --hex) as etcdctl v3 prints them",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    if (!etcdAvailable()) throw new Error(ETCD_MISSING);
    if (!existsSync(ETCDCTL_BIN)) throw new Error(ETCDCTL_MISSING);
    const [real, ours] = await Promise.all([startRealEtcd(), startServer({ runtime: runtimesUnderTest()[0] })]);
    try {
      await waitPublished(ours.clientUrl);
      const [ri, oi] = await Promise.all([clusterIds(real.clientUrl), clusterIds(ours.clientUrl)]);
      const realPeer = (await (await fetch(`${real.clientUrl}/v2/members`)).json()).members[0].peerURLs[0];
      const norm = (text: string, side: "real" | "ours") => {
        const map = side === "real"
          ? { ...idForms(ri.memberId, "<ID>"), ...idForms(ri.clusterId, "<CID>"), [real.clientUrl]: "<EP>", [realPeer]: "<PEER>", ", diff,": ", <NAME>,", '"name":"diff"': '"name":"<NAME>"' }
          : { ...idForms(oi.memberId, "<ID>"), ...idForms(oi.clusterId, "<CID>"), [ours.clientUrl]: "<EP>", [ours.peerUrl]: "<PEER>", ", test,": ", <NAME>,", '"name":"test"': '"name":"<NAME>"' };
        return substitute(text, map).replace(/"raft_term":\d+/, '"raft_term":<TERM>');
      };

      await t.step("same text as etcdctl v3 against etcd 3.4", async () => {
        for (const line of [["put", "foo", "bar"], ["get", "foo"], ["get", "nope"], ["put", "foo", "baz"], ["get", "foo"], ["member", "list"], ["member", "list", "-w", "json"], ["-w", "json", "member", "list"]]) {
          const theirs = await runEtcdctl(["--endpoints", real.clientUrl, ...line], v3);
          const mine = await runOurs(["--endpoints", ours.clientUrl, ...line], v3);
          assert.deepEqual(
            { stdout: norm(mine.stdout, "ours"), code: mine.code },
            { stdout: norm(theirs.stdout, "real"), code: theirs.code },
            line.join(" "),
          );
        }
      });

      await t.step("put works without ETCDCTL_API=3; get keeps v2 output there", async () => {
        assert.deepEqual(await runOurs(["--endpoints", ours.clientUrl, "put", "k", "v"]), { stdout: "OK\n", stderr: "", code: 0 });
        assert.deepEqual(await runOurs(["--endpoints", ours.clientUrl, "get", "k"]), { stdout: "v\n", stderr: "", code: 0 });
        const miss = await runOurs(["--endpoints", ours.clientUrl, "put", "onlykey"], v3);
        assert.equal(miss.code, 128);
        assert.equal(miss.stderr, "Error: put command needs 1 argument and input from stdin or 2 arguments\n");
      });

      await t.step("uint64 IDs are exact decimal digits; --hex gives hex strings", async () => {
        const plain = JSON.parse((await runOurs(["--endpoints", ours.clientUrl, "member", "list", "-w", "json"])).stdout);
        const raw = (await runOurs(["--endpoints", ours.clientUrl, "member", "list", "-w", "json"])).stdout;
        assert.match(raw, new RegExp(`"cluster_id":${BigInt("0x" + oi.clusterId)}[,}]`));
        assert.match(raw, new RegExp(`"ID":${BigInt("0x" + oi.memberId)}[,}]`));
        assert.equal(plain.members.length, 1);
        const hex = JSON.parse((await runOurs(["--endpoints", ours.clientUrl, "member", "list", "--hex", "-w", "json"])).stdout);
        assert.equal(hex.header.cluster_id, BigInt("0x" + oi.clusterId).toString(16));
        assert.equal(hex.members[0].ID, BigInt("0x" + oi.memberId).toString(16));
        assert.equal(hex.members[0].name, "test");
      });

      await t.step("the seed's jq pipelines", async () => {
        if (!existsSync(JQ)) throw new Error("jq not found: apt-get install jq");
        const ctl = `${resolve(root, "node_modules/.bin/deno")} run -A ${resolve(root, "server/main.ts")} ctl`;
        const clusterId = await runProcess("sh", ["-c", `${ctl} --endpoints=${ours.clientUrl} member list -w json | ${JQ} '.header.cluster_id'`]);
        // jq reads numbers as doubles (the seed's 1176270058202747400 is rounded the same
        // way), so the exact digits we print must come out of jq as jq rounds them.
        const viaJq = await runProcess("sh", ["-c", `echo '{"c":${BigInt("0x" + oi.clusterId)}}' | ${JQ} '.c'`]);
        assert.equal(clusterId.stdout, viaJq.stdout, clusterId.stderr);
        assert.match(clusterId.stdout, /^\d+\n$/);
        const id = await runProcess("sh", ["-c", `${ctl} --endpoints=${ours.clientUrl} member list --hex -w json | ${JQ} -r '.members[] | select(.name == "test") | .ID'`]);
        assert.equal(id.stdout, `${BigInt("0x" + oi.memberId).toString(16)}\n`, id.stderr);
      });
    } finally {
      await Promise.all([real.stop(), ours.stop()]);
      cleanup(ours.dataDir);
    }
  },
});

Deno.test({
  name: "three members: member add --peer-urls, remove by a jq-extracted ID, member list and cluster-health with one down",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const cwd = mkdtempSync(join(tmpdir(), "ctl-v3-"));
    const ports = await Promise.all(Array.from({ length: 8 }, () => freePort()));
    const peer = (i: number) => `http://127.0.0.1:${ports[2 * i]}`;
    const client = (i: number) => `http://127.0.0.1:${ports[2 * i + 1]}`;
    const initial = [0, 1, 2].map((i) => `etcd-${i}=${peer(i)}`).join(",");
    const members = [0, 1, 2].map((i) =>
      new Member(`etcd-${i}`, [
        `--name=etcd-${i}`,
        "--listen-peer-urls", peer(i),
        "--initial-advertise-peer-urls", peer(i),
        "--listen-client-urls", client(i),
        "--advertise-client-urls", client(i),
        "--initial-cluster", initial,
        "--heartbeat-interval", "50",
        "--election-timeout", "500",
      ], client(i), cwd, runtimesUnderTest()[0])
    );
    try {
      members.forEach((m) => m.start());
      await Promise.all(members.map((m) => m.healthy()));
      await agreedLeader(members);
      const ep = client(0);
      await waitPublished(ep);
      const { clusterId } = await clusterIds(ep);

      const addAndFind = async (name: string, peerUrl: string, env: Record<string, string> = {}) => {
        const add = await runOurs(["--endpoints", ep, "member", "add", name, "--peer-urls", peerUrl], { env });
        assert.equal(add.code, 0, add.stderr);
        const lines = add.stdout.split("\n");
        const m = /^Member ([ 0-9a-f]{16}) added to cluster ([ 0-9a-f]{16})$/.exec(lines[0]);
        assert.ok(m, add.stdout);
        assert.equal(m[2].trim(), BigInt("0x" + clusterId).toString(16));
        assert.equal(lines[1], "");
        assert.equal(lines[2], `ETCD_NAME="${name}"`);
        // ETCD_INITIAL_CLUSTER follows member IDs, so its entries are compared as a set.
        assert.deepEqual(
          /^ETCD_INITIAL_CLUSTER="(.*)"$/.exec(lines[3])?.[1].split(",").sort(),
          [...[0, 1, 2].map((i) => `etcd-${i}=${peer(i)}`), `${name}=${peerUrl}`].sort(),
        );
        assert.deepEqual(lines.slice(4), [`ETCD_INITIAL_ADVERTISE_PEER_URLS="${peerUrl}"`, 'ETCD_INITIAL_CLUSTER_STATE="existing"', ""]);
        const newId = m[1].trim();
        // Another member may apply the change a moment later: wait (bounded) until the one asked lists it.
        await waitFor(async () => {
          const list = await runOurs(["--endpoints", ep, "--no-sync", "member", "list"], { env: { ETCDCTL_API: "3" } });
          return list.stdout.split("\n").includes(`${newId}, unstarted, , ${peerUrl}, , false`);
        }, { timeoutMs: 5000, what: `member list to show ${newId} unstarted` });
        if (!existsSync(JQ)) throw new Error("jq not found: apt-get install jq");
        const ctl = `${resolve(root, "node_modules/.bin/deno")} run -A ${resolve(root, "server/main.ts")} ctl`;
        // The seed's pipeline; an unstarted member has no name yet, so select it by peer URL.
        const found = await runProcess("sh", ["-c", `${ctl} --endpoints=${ep} --no-sync member list --hex -w json | ${JQ} -r '.members[] | select(.peerURLs[0] == "${peerUrl}") | .ID'`]);
        assert.equal(found.stdout.trim(), newId, found.stderr);
        return newId;
      };

      await t.step("add, find with jq, remove (v2 wording)", async () => {
        const id = await addAndFind("etcd-3", peer(3));
        const rm = await runOurs(["--endpoints", ep, "member", "remove", id]);
        assert.deepEqual(rm, { stdout: `Removed member ${id} from cluster\n`, stderr: "", code: 0 });
      });

      await t.step("add, find with jq, remove (ETCDCTL_API=3 wording)", async () => {
        const id = await addAndFind("etcd-4", "http://127.0.0.1:1", { ETCDCTL_API: "3" });
        const rm = await runOurs(["--endpoints", ep, "member", "remove", id], v3);
        assert.deepEqual(rm, {
          stdout: `Member ${id.padStart(16, " ")} removed from cluster ${BigInt("0x" + clusterId).toString(16).padStart(16, " ")}\n`,
          stderr: "",
          code: 0,
        });
        await waitFor(async () => {
          const list = await runOurs(["--endpoints", ep, "--no-sync", "member", "list"], v3);
          return list.stdout.split("\n").filter(Boolean).length === 3;
        }, { timeoutMs: 5000, what: "three members listed again" });
      });

      await t.step("member list and cluster-health on three members, then with one down, as etcdctl prints them", async () => {
        const same = async (args: string[]) => {
          const [a, b] = await Promise.all([runEtcdctl(args), runOurs(args)]);
          assert.deepEqual({ stdout: b.stdout, stderr: b.stderr, code: b.code }, { stdout: a.stdout, stderr: a.stderr, code: a.code }, args.join(" "));
          return b;
        };
        await same(["--endpoints", ep, "member", "list"]);
        assert.match((await same(["--endpoints", ep, "cluster-health"])).stdout, /cluster is healthy\n$/);
        await members[2].kill();
        // If it led, the others elect a new leader first (their /health is false until then).
        await agreedLeader(members.slice(0, 2));
        const degraded = await same(["--endpoints", ep, "cluster-health"]);
        assert.equal(degraded.code, 5);
        // Members print in ID order, so the dead one's line may be anywhere before the verdict.
        assert.match(degraded.stdout, new RegExp(`is unreachable: \\[${client(2)}\\] are all unreachable\n`));
        assert.match(degraded.stdout, /\ncluster is degraded\n$/);
        // Syncing picks any member's client URL; requests fail over past the dead one.
        for (let i = 0; i < 5; i++) assert.equal((await same(["--endpoints", client(2) + "," + ep, "get", "/v3k"])).code, 4);
      });

      await t.step("v3 usage errors", async () => {
        assert.deepEqual(await runOurs(["--endpoints", ep, "member", "add", "x"], v3), { stdout: "", stderr: "Error: member peer urls not provided\n", code: 128 });
        assert.deepEqual(await runOurs(["--endpoints", ep, "member", "remove", "zz"], v3), {
          stdout: "",
          stderr: 'Error: bad member ID arg (strconv.ParseUint: parsing "zz": invalid syntax), expecting ID in Hex\n',
          code: 128,
        });
      });
    } finally {
      await stopAll(members);
      rmSync(cwd, { recursive: true, force: true });
    }
  },
});
