// The adapter from a running member to the dashboard's status: member
// states, counters, and change notifications, against a stand-in member.

import assert from "node:assert/strict";
import { type DashboardBackend, dashboardSource } from "../../server/http/dashboard_source.ts";
import { TermHistory } from "../../server/cluster/term_history.ts";
import { StoreCounters } from "../../server/store/stats.ts";

function stubMember() {
  const stats = new StoreCounters();
  const terms = new TermHistory();
  terms.observe(2, "a1", "alpha", 1000);
  const unreachable = new Set<string>();
  const m = {
    name: "alpha",
    memberId: "a1",
    clusterId: "c0ffee",
    startTime: new Date(500),
    leaderId: "a1",
    raftTerm: 2,
    raftIndex: 7,
    applied: 6,
    raftState: "leader" as DashboardBackend["raftState"],
    members: () => [
      { id: "a1", name: "alpha", peerURLs: ["http://p1"], clientURLs: ["http://c1"] },
      { id: "b2", name: "beta", peerURLs: ["http://p2"], clientURLs: ["http://c2"] },
      { id: "c3", name: "gamma", peerURLs: ["http://p3"], clientURLs: [] },
    ],
    isReachable: (id: string) => !unreachable.has(id),
    store: { stats, hub: { count: 2 } },
    terms,
  };
  return { m, stats, terms, unreachable, backend: m as unknown as DashboardBackend };
}

Deno.test("status: identity, indexes, member states and terms", () => {
  const { backend, unreachable } = stubMember();
  unreachable.add("c3");
  const s = dashboardSource(backend).status();
  assert.deepEqual(s.self, { id: "a1", name: "alpha" });
  assert.equal(s.clusterId, "c0ffee");
  assert.equal(s.startedAt, 500);
  assert.equal(s.leaderId, "a1");
  assert.equal(s.term, 2);
  assert.equal(s.commitIndex, 7);
  assert.equal(s.appliedIndex, 6);
  assert.equal(s.watchers, 2);
  assert.deepEqual(s.members.map((m) => [m.name, m.state]), [["alpha", "leader"], ["beta", "follower"], ["gamma", "unreachable"]]);
  assert.deepEqual(s.members[1].clientURLs, ["http://c2"]);
  assert.deepEqual(s.terms, [{ term: 2, leaderId: "a1", leaderName: "alpha", startedAt: 1000 }]);
});

Deno.test("status: a follower sees the leader; a campaigning member shows as candidate", () => {
  const { m, backend } = stubMember();
  m.leaderId = "b2";
  m.raftState = "follower";
  let s = dashboardSource(backend).status();
  assert.deepEqual(s.members.map((x) => x.state), ["follower", "leader", "follower"]);
  m.leaderId = "";
  m.raftState = "preCandidate";
  s = dashboardSource(backend).status();
  assert.equal(s.leaderId, "");
  assert.deepEqual(s.members.map((x) => x.state), ["candidate", "follower", "follower"]);
});

Deno.test("status: reads are gets; writes are every kind of write, failed or not", () => {
  const { backend, stats } = stubMember();
  stats.inc("gets", true);
  stats.inc("gets", false);
  stats.inc("sets", true);
  stats.inc("create", false);
  stats.inc("delete", true);
  stats.inc("update", true);
  stats.inc("compareAndSwap", false);
  stats.inc("compareAndDelete", true);
  const s = dashboardSource(backend).status();
  assert.equal(s.counters.reads, 2);
  assert.equal(s.counters.writes, 6);
});

Deno.test("subscribe: told about changes, not about nothing; unsubscribing stops it", async () => {
  const { m, backend, terms } = stubMember();
  const src = dashboardSource(backend, 10);
  let calls = 0;
  const off = src.subscribe(() => calls++);
  try {
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(calls, 0, "nothing changed");
    m.raftIndex = 8;
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(calls, 1, "commit index moved");
    m.raftTerm = 3;
    m.leaderId = "b2";
    terms.observe(3, "b2", "beta", 2000);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(calls, 2, "a new term");
  } finally {
    off();
  }
  m.raftIndex = 9;
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(calls, 2);
});
