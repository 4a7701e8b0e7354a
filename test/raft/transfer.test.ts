// Leadership transfer: transferLeader / timeoutNow, catching the target up
// first, aborting after an election timeout, and the corner cases.

import assert from "node:assert/strict";
import { ProposalDroppedError } from "../../server/raft/errors.ts";
import { msg, Network, newRaft, readMessages, TestStorage } from "./helpers.ts";

function settled(ids = ["1", "2", "3"], opts = {}): Network {
  const nw = new Network(ids, opts);
  nw.campaign("1");
  nw.tick("1", 2);
  return nw;
}

Deno.test("transfer to an up-to-date follower: it campaigns at once and wins", () => {
  for (const opts of [{}, { preVote: true, checkQuorum: true }]) {
    const nw = settled(["1", "2", "3"], opts);
    nw.send(msg("transferLeader", "2", "1"));
    assert.equal(nw.raft("2").state, "leader");
    assert.equal(nw.raft("2").term, 2);
    assert.equal(nw.raft("1").state, "follower");
    assert.equal(nw.raft("1").leadTransferee, "");
    // The new leader can commit.
    nw.propose("2", "x");
    assert.equal(
      nw.raft("1").raftLog.committed,
      nw.raft("2").raftLog.lastIndex(),
    );
  }
});

Deno.test("transfer to a lagging follower first catches it up, then sends timeoutNow", () => {
  const nw = settled();
  nw.isolate("3");
  for (let i = 0; i < 5; i++) nw.propose("1", `p${i}`);
  nw.recover();
  const l = nw.raft("1");
  l.step(msg("transferLeader", "3", "1"));
  const first = readMessages(l);
  assert.ok(first.every((m) => m.type !== "timeoutNow"));
  assert.equal(l.leadTransferee, "3");
  nw.send(...first);
  assert.equal(nw.raft("3").state, "leader");
});

Deno.test("proposals are refused while a transfer is in progress", () => {
  const nw = settled();
  nw.isolate("3");
  nw.raft("1").step(msg("transferLeader", "3", "1"));
  nw.send(...readMessages(nw.raft("1")));
  assert.throws(
    () => nw.propose("1", "x"),
    (e: unknown) =>
      e instanceof ProposalDroppedError &&
      e.reason === "leadership transfer in progress",
  );
});

Deno.test("a transfer that does not complete is abandoned after an election timeout", () => {
  const nw = settled();
  nw.isolate("3");
  nw.raft("1").step(msg("transferLeader", "3", "1"));
  nw.send(...readMessages(nw.raft("1")));
  const l = nw.raft("1");
  for (let t = 0; t < l.electionTimeout - 1; t++) nw.tick("1");
  assert.equal(l.leadTransferee, "3");
  nw.tick("1");
  assert.equal(l.leadTransferee, "");
  assert.equal(l.state, "leader");
  nw.propose("1", "accepted again");
});

Deno.test("transfer to self, to an unknown node, or to a learner is ignored", () => {
  const nw = settled();
  const l = nw.raft("1");
  nw.send(msg("transferLeader", "1", "1"));
  assert.equal(l.leadTransferee, "");
  nw.send(msg("transferLeader", "9", "1"));
  assert.equal(l.leadTransferee, "");
  l.applyConfChange({ type: "addLearner", nodeId: "4", context: "" });
  l.step(msg("transferLeader", "4", "1"));
  assert.equal(l.leadTransferee, "");
  assert.equal(l.state, "leader");
});

Deno.test("a repeated transfer to the same node is a no-op; a transfer to another node replaces it", () => {
  const nw = settled();
  nw.isolate("3");
  nw.isolate("2");
  const l = nw.raft("1");
  l.step(msg("transferLeader", "3", "1"));
  l.tick();
  const elapsed = l.electionElapsed;
  l.step(msg("transferLeader", "3", "1"));
  assert.equal(l.electionElapsed, elapsed, "the timer is not restarted");
  l.step(msg("transferLeader", "2", "1"));
  assert.equal(l.leadTransferee, "2");
  assert.equal(l.electionElapsed, 0);
});

Deno.test("a follower forwards a transfer request to the leader", () => {
  const nw = settled();
  nw.send(msg("transferLeader", "3", "2"));
  assert.equal(nw.raft("3").state, "leader");
});

Deno.test("timeoutNow is ignored by a node that cannot be promoted or is not a follower", () => {
  const learner = newRaft("3", 10, 1, new TestStorage(["1", "2"], ["3"]));
  learner.step(msg("timeoutNow", "1", "3", { term: 1 }));
  assert.equal(learner.state, "follower");
  const cand = newRaft("2", 10, 1, new TestStorage(["1", "2", "3"]));
  cand.step(msg("hup", "2", "2"));
  readMessages(cand);
  cand.step(msg("timeoutNow", "1", "2", { term: 1 }));
  assert.equal(cand.term, 1);
  assert.deepEqual(readMessages(cand), []);
});

Deno.test("transfer works through check-quorum leases (the vote is marked as forced)", () => {
  const nw = settled(["1", "2", "3"], { checkQuorum: true });
  nw.send(msg("transferLeader", "3", "1"));
  const votes = nw.delivered.filter((m) => m.type === "vote" && m.term === 2);
  assert.ok(votes.length > 0 && votes.every((m) => m.context === "transfer"));
  assert.equal(nw.raft("3").state, "leader");
});

Deno.test("a leader that steps down aborts its transfer", () => {
  const nw = settled();
  nw.isolate("3");
  const l = nw.raft("1");
  l.step(msg("transferLeader", "3", "1"));
  l.step(msg("heartbeat", "2", "1", { term: 5, commit: 0 }));
  assert.equal(l.state, "follower");
  assert.equal(l.leadTransferee, "");
});
