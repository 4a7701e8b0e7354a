// Hostile input on the peer port of a 3-member cluster, on both runtimes:
// random bytes, malformed and spoofed raft messages, bad snapshot chunks,
// oversized bodies, another cluster's ID. After each the targeted member
// still serves correct answers and the cluster commits writes; at the end a
// member killed with -9 and restarted replays its log intact.

import assert from "node:assert/strict";
import { jsonOf, type RawAnswer, rawExchange, request } from "../../tools/reliability/raw_http.ts";
import { agreedLeader, json, type Member } from "../helpers/cluster.ts";
import { waitFor } from "../helpers/ports.ts";
import { runtimesUnderTest } from "../helpers/server.ts";
import { assertServes, CANARY, CANARY_VALUE, putCanary, startTrio } from "./hostile_support.ts";

interface Ctx {
  clusterId: string;
  leader: string;
  follower: string;
  term: number;
}

interface PeerCase {
  name: string;
  send(c: Ctx): string;
  /** Checks the answer; default: a 4xx with a JSON {message}. */
  check?(a: RawAnswer, c: Ctx): void;
}

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  request("POST", path, { headers: { "Content-Type": "application/json", ...headers }, body });

const raft = (c: Ctx, msgs: unknown) =>
  post("/raft", JSON.stringify(msgs), { "X-Etcd-Cluster-Id": c.clusterId, "X-Server-From": c.leader });

/** A complete (chunked) raft stream: one JSON batch per line. */
const stream = (c: Ctx, lines: string[]) => {
  const chunks = lines.map((l) => {
    const data = l + "\n";
    return `${new TextEncoder().encode(data).length.toString(16)}\r\n${data}\r\n`;
  }).join("");
  return `POST /raft/stream HTTP/1.1\r\nHost: h\r\nX-Etcd-Cluster-Id: ${c.clusterId}\r\nX-Server-From: ${c.leader}\r\n` +
    `Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunks}0\r\n\r\n`;
};

const refused = (a: RawAnswer) => {
  assert.ok(a.status !== null && a.status >= 400 && a.status < 500, `expected a 4xx, got ${a.raw.slice(0, 300)}`);
  assert.equal(typeof (jsonOf(a) as { message?: unknown })?.message, "string", `JSON {message}: ${a.body}`);
};
/** Accepted and dropped, or refused; never a server error. */
const survived = (a: RawAnswer) => assert.ok(a.status !== null && a.status < 500, `answer: ${a.raw.slice(0, 300)}`);

const cases: PeerCase[] = [
  { name: "random bytes", send: () => "\x00\x9f\xff garbage \x01\x02\r\n\r\n\x7f", check: (a) => assert.ok(a.status === null || a.status === 400, a.raw) },
  { name: "a body that is not JSON", send: (c) => raft(c, "x").replace('"x"', "{{{") },
  { name: "a JSON object instead of an array", send: (c) => raft(c, { type: "app" }) },
  {
    name: "null and scalars in the batch",
    send: (c) => raft(c, [null, 1, "x"]),
    check(a) {
      refused(a);
      assert.match(a.body, /must be a JSON object/);
    },
  },
  { name: "an unknown message type", send: (c) => raft(c, [{ type: "bogus", term: c.term, from: c.leader, to: c.follower }]), check: survived },
  { name: "a negative term", send: (c) => raft(c, [{ type: "heartbeat", term: -1, from: c.leader, to: c.follower }]), check: survived },
  { name: "a string term", send: (c) => raft(c, [{ type: "heartbeat", term: "7", from: c.leader, to: c.follower }]), check: survived },
  { name: "addressed to another member", send: (c) => raft(c, [{ type: "heartbeat", term: c.term, from: c.leader, to: c.leader }]), check: survived },
  {
    name: "a heartbeat committing far past the log",
    send: (c) => raft(c, [{ type: "heartbeat", term: c.term, from: c.leader, to: c.follower, commit: 1e12 }]),
    check: survived,
  },
  {
    name: "entries that do not match the log",
    send: (c) => raft(c, [{
      type: "app", term: c.term, from: c.leader, to: c.follower, index: 1e9, logTerm: 1, commit: 0,
      entries: [{ term: c.term, index: 1e9 + 1, type: "normal", data: "not a command" }],
    }]),
    check: survived,
  },
  {
    name: "a thousand junk messages in one batch",
    send: (c) => raft(c, Array.from({ length: 1000 }, (_, i) => ({ type: i % 2 ? "app" : "nope", term: i, from: "x", to: c.follower, entries: [{}] }))),
    check: survived,
  },
  { name: "deeply nested JSON", send: (c) => raft(c, "x").replace('"x"', "[".repeat(50_000) + "]".repeat(50_000)), check: survived },
  {
    name: "a term so large the next election could not count past it",
    send: (c) => raft(c, [{ type: "heartbeat", term: Number.MAX_SAFE_INTEGER, from: c.leader, to: c.follower, commit: 0 }]),
  },
  {
    name: "a forged higher term below the bound (an election follows, then commits resume)",
    send: (c) => raft(c, [{ type: "heartbeat", term: c.term + 1000, from: c.leader, to: c.follower, commit: 0 }]),
    check: survived,
  },
  {
    name: "a stream line with a term so large the next election could not count past it",
    send: (c) => stream(c, [JSON.stringify([{ type: "heartbeat", term: Number.MAX_SAFE_INTEGER, from: c.leader, to: c.follower, commit: 0 }])]),
  },
  { name: "a stream line that is not JSON", send: (c) => stream(c, ["[]", "{{{"]) },
  { name: "a stream line with null in its batch", send: (c) => stream(c, ["[null]"]), check: survived },
  {
    name: "a stream from another cluster",
    send: (c) => stream({ ...c, clusterId: "deadbeefdeadbeef" }, ["[]"]),
    check(a) {
      refused(a);
      assert.equal(a.status, 412);
    },
  },
  {
    name: "another cluster's ID",
    send: (c) => post("/raft", JSON.stringify([{ type: "heartbeat", term: c.term + 5, from: c.leader, to: c.follower }]), { "X-Etcd-Cluster-Id": "deadbeefdeadbeef" }),
    check(a) {
      refused(a);
      assert.equal(a.status, 412);
    },
  },
  {
    name: "a raft body declared beyond the limit",
    send: () => "POST /raft HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\nConnection: close\r\n\r\n[]",
    check(a) {
      refused(a);
      assert.equal(a.status, 413);
    },
  },
  { name: "a snapshot chunk without its parameters", send: () => post("/raft/snapshot?id=a&offset=x", "zz") },
  { name: "a snapshot chunk for an unknown transfer", send: (c) => post("/raft/snapshot?id=nope&offset=5&total=10", "zz", { "X-Etcd-Cluster-Id": c.clusterId }) },
  { name: "a snapshot head that is not percent-encoded JSON", send: (c) => post("/raft/snapshot?id=h1&offset=0&total=2", "zz", { "X-Etcd-Cluster-Id": c.clusterId, "X-Raft-Message": "%zz" }) },
  { name: "a snapshot head that is not a snap message", send: (c) => post("/raft/snapshot?id=h2&offset=0&total=2", "zz", { "X-Etcd-Cluster-Id": c.clusterId, "X-Raft-Message": encodeURIComponent('{"type":"app"}') }) },
  { name: "a member update from another cluster", send: (c) => post("/members/update", JSON.stringify({ id: c.follower, peerURLs: ["http://127.0.61.99:1"] }), { "X-Etcd-Cluster-Id": "deadbeef" }) },
  { name: "a join with a broken body", send: () => post("/join", '{"name":') },
  { name: "`..` segments", send: () => request("GET", "/raft/../../etc/passwd") },
  { name: "invalid percent-encoding in the path", send: (c) => post("/raft%zz", "[]", { "X-Etcd-Cluster-Id": c.clusterId }), check: survived },
  { name: "a path of 64 KiB", send: () => request("GET", `/members/${"m".repeat(64 * 1024)}`), check: (a) => assert.ok(a.status !== null && a.status >= 400 && a.status < 500, a.raw.slice(0, 200)) },
  { name: "an unknown method", send: () => request("BREW", "/raft"), check: (a) => assert.ok(a.status !== null && a.status >= 400 && a.status < 500, a.raw.slice(0, 200)) },
  {
    name: "Content-Length and Transfer-Encoding both, hiding a second raft request",
    send: (c) => {
      const hidden = raft(c, [{ type: "heartbeat", term: Number.MAX_SAFE_INTEGER, from: c.leader, to: c.follower }]);
      return `POST /raft HTTP/1.1\r\nHost: h\r\nX-Etcd-Cluster-Id: ${c.clusterId}\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${hidden}`;
    },
    check: (a) => assert.ok(a.status === null || (a.status >= 400 && a.status < 500), a.raw.slice(0, 200)),
  },
  { name: "GET on the raft endpoint", send: () => request("GET", "/raft") },
];

async function raftTerm(m: Member): Promise<number> {
  const r = await fetch(`${m.clientUrl}/v2/keys/`, { signal: AbortSignal.timeout(5000) });
  await r.body?.cancel();
  return Number(r.headers.get("x-raft-term"));
}

/** The cluster commits a write through `m` (bounded retries: a spoofed term may force an election). */
async function commitsThrough(m: Member, what: string): Promise<void> {
  await waitFor(() => assertServes(m.clientUrl, what).then(() => true), { timeoutMs: 15_000, intervalMs: 300, what: `a commit after ${what}` });
}

for (const runtime of runtimesUnderTest()) {
  Deno.test({
    name: `hostile peer input (${runtime}): a 3-member cluster keeps committing and its log stays intact`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const trio = await startTrio(runtime, runtime === "deno" ? "127.0.61" : "127.0.62");
      try {
        const members = trio.members;
        await putCanary(members[0].clientUrl);
        for (const c of cases) {
          await t.step(c.name, async () => {
            const leader = await agreedLeader(members);
            const stats = await Promise.all(members.map(async (m) => (await json(`${m.clientUrl}/v2/stats/self`)).body));
            const fi = stats.findIndex((s) => s.id !== leader);
            const target = members[fi];
            const peerUrl = new URL(target.args[target.args.indexOf("--listen-peer-urls") + 1]);
            const ctx: Ctx = {
              clusterId: (await fetch(`${peerUrl.origin}/members`).then(async (r) => (await r.body?.cancel(), r.headers.get("x-etcd-cluster-id"))))!,
              leader,
              follower: stats[fi].id,
              term: await raftTerm(target),
            };
            const a = await rawExchange(peerUrl.hostname, Number(peerUrl.port), c.send(ctx), { timeoutMs: 5000 });
            (c.check ?? refused)(a, ctx);
            assert.ok(target.running, `${target.name} exited:\n${target.out.slice(-2000)}`);
            await commitsThrough(target, c.name);
          });
        }

        await t.step("the mismatched cluster ID was logged", () => {
          assert.ok(members.some((m) => /cluster ID mismatch/.test(m.out)), "no member logged the mismatch");
        });

        await t.step("a member killed with -9 and restarted replays its log intact", async () => {
          const victim = members[2];
          await victim.kill("SIGKILL");
          await commitsThrough(members[0], "a member down");
          victim.start();
          await victim.healthy(30_000);
          const expected = (await json(`${members[0].clientUrl}/v2/keys/hostile?recursive=true&sorted=true&quorum=true`)).body.node;
          await waitFor(async () => {
            const got = (await json(`${victim.clientUrl}/v2/keys/hostile?recursive=true&sorted=true`)).body.node;
            return JSON.stringify(got) === JSON.stringify(expected);
          }, { timeoutMs: 15_000, what: "the restarted member to hold the same keys" });
          const canary = (await json(`${victim.clientUrl}/v2/keys${CANARY}`)).body;
          assert.equal(canary.node.value, CANARY_VALUE);
          await commitsThrough(victim, "the restart");
        });
      } finally {
        await trio.close();
      }
    },
  });
}
