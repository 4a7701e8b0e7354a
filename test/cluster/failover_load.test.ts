// A cluster under a write load keeps serving through kill -9 of its leader,
// again and again, and loses no acknowledged write; a member that fell far
// behind catches up from a snapshot; a leader stopped with SIGTERM hands
// leadership over first.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agreedLeader, json, Member, newCluster, stopAll } from "../helpers/cluster.ts";
import { waitFor } from "../helpers/ports.ts";

function three(cwd: string, base: string, extra: string[] = []): Member[] {
  return newCluster(cwd, base, "m", ["--heartbeat-interval", "50", "--election-timeout", "500", ...extra]);
}

async function leaderMember(ms: Member[]): Promise<Member> {
  const id = await agreedLeader(ms.filter((m) => m.running));
  const list = (await json(`${ms.find((m) => m.running)!.clientUrl}/v2/members`)).body.members as { id: string; name: string }[];
  return ms.find((m) => m.name === list.find((x) => x.id === id)!.name)!;
}

Deno.test({
  name: "kill -9 the leader three times under a write load: every acknowledged write survives",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cwd = mkdtempSync(join(tmpdir(), "failover-"));
    const ms = three(cwd, "127.0.5");
    try {
      for (const m of ms) m.start();
      await Promise.all(ms.map((m) => m.healthy()));
      const acked = new Map<string, string>();
      let stop = false;
      let failures = 0;
      const writer = async (w: number) => {
        for (let n = 0; !stop; n++) {
          const target = ms[(w + n) % 3];
          if (!target.running) continue;
          const key = `load/w${w}/k${n}`;
          try {
            const r = await json(`${target.clientUrl}/v2/keys/${key}`, { method: "PUT", body: new URLSearchParams({ value: String(n) }) });
            if (r.status === 201) acked.set(key, String(n));
            else failures++;
          } catch {
            failures++;
          }
        }
      };
      const writers = Array.from({ length: 6 }, (_, w) => writer(w));
      for (let round = 0; round < 3; round++) {
        await new Promise((r) => setTimeout(r, 700));
        const l = await leaderMember(ms);
        await l.kill("SIGKILL");
        await agreedLeader(ms.filter((m) => m.running));
        await new Promise((r) => setTimeout(r, 300));
        l.start();
        await l.healthy();
      }
      stop = true;
      await Promise.all(writers);
      assert.ok(acked.size > 100, `only ${acked.size} writes acknowledged (${failures} failed)`);
      // Every acknowledged write, on every member.
      await agreedLeader(ms);
      for (const m of ms) {
        const all = (await json(`${m.clientUrl}/v2/keys/load?recursive=true&quorum=true`)).body;
        const got = new Map<string, string>();
        for (const d of all.node.nodes ?? []) for (const k of d.nodes ?? []) got.set(k.key.slice(1), k.value);
        for (const [k, v] of acked) assert.equal(got.get(k), v, `${m.name} lost ${k}`);
      }
    } finally {
      await stopAll(ms);
      rmSync(cwd, { recursive: true, force: true });
    }
  },
});

Deno.test({
  name: "a member far behind catches up from a snapshot; SIGTERM on the leader hands leadership over",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cwd = mkdtempSync(join(tmpdir(), "snapcatch-"));
    const ms = three(cwd, "127.0.6", ["--snapshot-count", "200"]);
    try {
      for (const m of ms) m.start();
      await Promise.all(ms.map((m) => m.healthy()));
      const l = await leaderMember(ms);
      const lagging = ms.find((m) => m !== l)!;
      await lagging.kill("SIGKILL");
      // Enough writes that the leader snapshots and compacts past the lagging
      // member, and a snapshot big enough (> 1 MiB) to travel in several chunks.
      for (let i = 0; i < 60; i++) {
        await Promise.all(Array.from({ length: 100 }, (_, j) =>
          json(`${l.clientUrl}/v2/keys/bulk/k${i * 100 + j}`, { method: "PUT", body: new URLSearchParams({ value: "v".repeat(200) }) })));
      }
      lagging.start();
      await lagging.healthy();
      await waitFor(async () => (await json(`${lagging.clientUrl}/v2/keys/bulk/k5999`)).body?.node?.value === "v".repeat(200), { timeoutMs: 20_000, what: "the lagging member to catch up" });
      assert.match(lagging.out, /restored state from the leader's snapshot/);
      const sent = l.out.match(/sent snapshot at index \d+ \((\d+) bytes\)/);
      assert.ok(sent && Number(sent[1]) > 1024 * 1024, `a multi-chunk snapshot was sent: ${sent?.[0]}`);

      const t0 = Date.now();
      await l.kill("SIGTERM");
      assert.match(l.out, /transferring leadership to/);
      const others = ms.filter((m) => m !== l);
      await agreedLeader(others);
      const took = Date.now() - t0;
      const w = await json(`${others[0].clientUrl}/v2/keys/after-term`, { method: "PUT", body: new URLSearchParams({ value: "x" }) });
      assert.equal(w.status, 201, `${w.text}\n${others.map((m) => m.out.split("\n").slice(-8).join("\n")).join("\n---\n")}`);
      console.log(`leadership handed over and agreed on in ${took} ms`);
    } finally {
      await stopAll(ms);
      rmSync(cwd, { recursive: true, force: true });
    }
  },
});
