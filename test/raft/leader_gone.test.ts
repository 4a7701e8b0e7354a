// leaderGone: when the application knows the leader's process is gone (its
// port refuses connections), followers stop waiting a whole election
// timeout for it; when the leader is in fact alive, nothing is disrupted.

import assert from "node:assert/strict";
import { Network } from "./helpers.ts";

const ELECTION = 10; // ticks (Network's rafts use election 10, heartbeat 1)

function electedAfterLeaderGone(seed: number, tellBoth: boolean): { ticks: number; leader: string } {
  const net = new Network(["1", "2", "3"], { preVote: true, checkQuorum: true, seed });
  net.campaign("1");
  assert.equal(net.raft("1").state, "leader");
  // The leader heard from its followers just now; then its process dies.
  net.tick("1", 1);
  net.isolate("1");
  if (tellBoth) {
    net.raft("2").leaderGone("1");
    net.raft("3").leaderGone("1");
  } else {
    net.raft("2").leaderGone("1");
  }
  for (let t = 1; t <= 4 * ELECTION; t++) {
    net.tick("2", 1);
    net.tick("3", 1);
    for (const id of ["2", "3"]) if (net.raft(id).state === "leader") return { ticks: t, leader: id };
  }
  return { ticks: Infinity, leader: "" };
}

Deno.test("survivors told the leader is gone elect a new one within a few ticks, not an election timeout", () => {
  const ticks: number[] = [];
  for (let seed = 1; seed <= 50; seed++) {
    const r = electedAfterLeaderGone(seed, true);
    assert.ok(r.ticks !== Infinity, `seed ${seed}: no leader`);
    ticks.push(r.ticks);
  }
  ticks.sort((a, b) => a - b);
  // Without it a follower waits at least ELECTION ticks after the last heartbeat.
  assert.ok(ticks[ticks.length - 1] < ELECTION, `slowest election took ${ticks.at(-1)} ticks: ${ticks}`);
});

Deno.test("one survivor told: the other still holds the lease, so it takes the usual timeout (no split, no harm)", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const r = electedAfterLeaderGone(seed, false);
    assert.ok(r.ticks !== Infinity, `seed ${seed}: no leader`);
  }
});

Deno.test("a leader wrongly reported gone keeps leading: pre-vote fails, the next heartbeat restores it", () => {
  const net = new Network(["1", "2", "3"], { preVote: true, checkQuorum: true, seed: 7 });
  net.campaign("1");
  const term = net.raft("1").term;
  net.raft("2").leaderGone("1");
  assert.equal(net.raft("2").lead, "");
  for (let t = 0; t < 3 * ELECTION; t++) {
    net.tick("1", 1);
    net.tick("2", 1);
    net.tick("3", 1);
  }
  assert.equal(net.raft("1").state, "leader");
  assert.equal(net.raft("1").term, term, "no election happened");
  assert.equal(net.raft("2").lead, "1", "follows the leader again");
});

Deno.test("leaderGone is ignored by a leader, by a candidate, and for a member that is not the leader", () => {
  const net = new Network(["1", "2", "3"], { preVote: true, checkQuorum: true, seed: 3 });
  net.campaign("1");
  net.raft("1").leaderGone("1");
  assert.equal(net.raft("1").state, "leader");
  const before = net.raft("2").electionElapsed;
  net.raft("2").leaderGone("3");
  assert.equal(net.raft("2").lead, "1");
  assert.equal(net.raft("2").electionElapsed, before);
});
