// Membership changes, one at a time: add/remove/update voters, learners,
// the pending-change rule, the leader removing itself, removed members.

import assert from "node:assert/strict";
import { ProposalDroppedError } from "../../server/raft/errors.ts";
import type { Raft } from "../../server/raft/raft.ts";
import {
  decodeConfChange,
  encodeConfChange,
} from "../../server/raft/raw_node.ts";
import { MemoryStorage } from "../../server/raft/storage.ts";
import type { ConfChange, Entry } from "../../server/raft/types.ts";
import {
  entry,
  msg,
  Network,
  newRaft,
  readMessages,
  stabilize,
  TestStorage,
} from "./helpers.ts";

function ccEntry(cc: ConfChange): Entry {
  return { term: 0, index: 0, type: "confChange", data: encodeConfChange(cc) };
}

function proposeCC(r: Raft, cc: ConfChange, from = r.id): void {
  r.step(msg("prop", from, r.id, { entries: [ccEntry(cc)] }));
}

/** Applies committed conf change entries on every node of the network, like an application would. */
function applyConfChanges(
  nw: Network,
  ids: string[],
  upTo: Map<string, number>,
): void {
  for (const id of ids) {
    const r = nw.raft(id);
    const s = nw.storage.get(id)!;
    const from = (upTo.get(id) ?? 0) + 1;
    for (
      let i = Math.max(from, s.firstIndex());
      i <= r.raftLog.committed;
      i++
    ) {
      const e = r.raftLog.slice(i, i + 1, Infinity)[0];
      if (e.type === "confChange") r.applyConfChange(decodeConfChange(e.data));
    }
    upTo.set(id, r.raftLog.committed);
  }
}

function leader(ids: string[]): Raft {
  const r = newRaft(ids[0], 10, 1, new TestStorage(ids));
  r.becomeCandidate();
  r.becomeLeader();
  readMessages(r);
  return r;
}

Deno.test("addNode adds a voter in probe state and grows the quorum", () => {
  const r = leader(["1", "2", "3"]);
  assert.equal(r.prs.quorum(), 2);
  r.applyConfChange({ type: "addNode", nodeId: "4", context: "" });
  assert.deepEqual(r.prs.confState(), {
    voters: ["1", "2", "3", "4"],
    learners: [],
  });
  assert.equal(r.prs.quorum(), 3);
  const pr = r.prs.progress.get("4")!;
  assert.equal(pr.state, "probe");
  assert.equal(pr.next, r.raftLog.lastIndex() + 1);
  // The leader probes the new member right away.
  assert.ok(readMessages(r).some((m) => m.to === "4" && m.type === "app"));
  // Adding an existing voter is a no-op.
  r.applyConfChange({ type: "addNode", nodeId: "4", context: "" });
  assert.equal(r.prs.voters.size, 4);
});

Deno.test("removeNode shrinks the quorum, which can let the commit index advance", () => {
  const r = leader(["1", "2"]);
  r.step(msg("appResp", "2", "1", { term: 1, index: 1 }));
  r.step(msg("prop", "1", "1", { entries: [entry(0, 0, "x")] }));
  assert.equal(r.raftLog.committed, 1); // 2 has not acknowledged index 2
  r.applyConfChange({ type: "removeNode", nodeId: "2", context: "" });
  assert.equal(r.raftLog.committed, 2);
  assert.equal(r.prs.progress.has("2"), false);
});

Deno.test("updateNode changes nothing in raft", () => {
  const r = leader(["1", "2", "3"]);
  const cs = r.applyConfChange({
    type: "updateNode",
    nodeId: "2",
    context: '{"peerURLs":[]}',
  });
  assert.deepEqual(cs, { voters: ["1", "2", "3"], learners: [] });
});

Deno.test("only one conf change may be pending: a second is refused until the first is applied", () => {
  const r = leader(["1", "2", "3"]);
  const s = r.raftLog.storage as TestStorage;
  // The new leader's own first entry must be applied first.
  assert.throws(
    () => proposeCC(r, { type: "addNode", nodeId: "4", context: "" }),
    ProposalDroppedError,
  );
  r.step(msg("appResp", "2", "1", { term: 1, index: 1 }));
  stabilize(r, s); // applies index 1
  proposeCC(r, { type: "addNode", nodeId: "4", context: "" });
  assert.equal(r.pendingConfIndex, 2);
  const last = r.raftLog.lastIndex();
  assert.throws(
    () => proposeCC(r, { type: "addNode", nodeId: "5", context: "" }),
    (e: unknown) =>
      e instanceof ProposalDroppedError && /already pending/.test(e.message),
  );
  assert.equal(
    r.raftLog.lastIndex(),
    last,
    "a refused proposal leaves no trace",
  );
  // Ordinary proposals still go through.
  r.step(msg("prop", "1", "1", { entries: [entry(0, 0, "x")] }));
  assert.equal(r.raftLog.lastIndex(), last + 1);
  // A forwarded conf change while one is pending becomes an empty entry (its proposer cannot be told).
  proposeCC(r, { type: "addNode", nodeId: "6", context: "" }, "2");
  const e = r.raftLog.slice(
    r.raftLog.lastIndex(),
    r.raftLog.lastIndex() + 1,
    Infinity,
  )[0];
  assert.deepEqual([e.type, e.data], ["normal", ""]);
  // Once the first is committed and applied, the next one is accepted.
  r.step(msg("appResp", "2", "1", { term: 1, index: r.raftLog.lastIndex() }));
  stabilize(r, s);
  r.applyConfChange({ type: "addNode", nodeId: "4", context: "" });
  proposeCC(r, { type: "addNode", nodeId: "5", context: "" });
});

Deno.test("a node with committed but unapplied conf changes does not campaign", () => {
  const s = new TestStorage(["1", "2"]);
  s.append([{
    term: 1,
    index: 1,
    type: "confChange",
    data: encodeConfChange({ type: "addNode", nodeId: "3", context: "" }),
  }]);
  s.setHardState({ term: 1, vote: "", commit: 1 });
  const r = newRaft("1", 10, 1, s);
  r.step(msg("hup", "1", "1"));
  assert.equal(r.state, "follower");
  r.raftLog.appliedTo(1);
  r.applyConfChange({ type: "addNode", nodeId: "3", context: "" });
  r.step(msg("hup", "1", "1"));
  assert.equal(r.state, "candidate");
  assert.equal(readMessages(r).length, 2);
});

Deno.test("adding a member to a one-member cluster: quorum becomes 2, progress needs the new member", () => {
  const ids = ["1"];
  const nw = new Network(ids);
  nw.campaign("1");
  const r1 = nw.raft("1");
  assert.equal(r1.state, "leader");
  nw.propose("1", "alone");
  assert.equal(r1.raftLog.committed, 2);
  const applied = new Map<string, number>();
  nw.send(
    msg("prop", "1", "1", {
      entries: [ccEntry({ type: "addNode", nodeId: "2", context: "" })],
    }),
  );
  assert.equal(r1.raftLog.committed, 3); // committed by the old configuration (1 alone)
  applyConfChanges(nw, ["1"], applied);
  assert.equal(r1.prs.quorum(), 2);
  // Member 2 is not running yet: nothing commits.
  nw.propose("1", "needs 2");
  assert.equal(r1.raftLog.committed, 3);
  // Start 2 with empty storage (it learns the configuration from the log).
  const s2 = new MemoryStorage();
  nw.peers.set("2", newRaft("2", 10, 1, s2));
  nw.storage.set("2", s2);
  nw.tick("1", 3);
  assert.equal(r1.raftLog.committed, 4);
  assert.equal(nw.raft("2").raftLog.committed, 4);
  assert.equal(s2.entries(4, 5)[0].data, "needs 2");
});

Deno.test("a removed member is not promotable and never campaigns", () => {
  const nw = new Network(["1", "2", "3"]);
  nw.campaign("1");
  const r3 = nw.raft("3");
  r3.applyConfChange({ type: "removeNode", nodeId: "3", context: "" });
  assert.equal(r3.promotable(), false);
  for (let t = 0; t < 100; t++) r3.tick();
  assert.equal(r3.term, 1);
  assert.equal(r3.state, "follower");
});

Deno.test("a leader that removes itself hands over to a caught-up voter and steps down", () => {
  const ids = ["1", "2", "3"];
  const nw = new Network(ids);
  nw.campaign("1");
  nw.tick("1", 2);
  const applied = new Map<string, number>();
  applyConfChanges(nw, ids, applied);
  nw.send(
    msg("prop", "1", "1", {
      entries: [ccEntry({ type: "removeNode", nodeId: "1", context: "" })],
    }),
  );
  nw.tick("1", 2);
  const r1 = nw.raft("1");
  assert.equal(r1.raftLog.committed, 2);
  // The leader applies its own removal: it sends timeoutNow to a caught-up voter and becomes a follower.
  r1.applyConfChange({ type: "removeNode", nodeId: "1", context: "" });
  assert.equal(r1.state, "follower");
  const out = readMessages(r1);
  assert.equal(out.length, 1);
  assert.equal(out[0].type, "timeoutNow");
  nw.send(...out);
  const newLeader = nw.raft(out[0].to);
  assert.equal(newLeader.state, "leader");
  assert.equal(newLeader.term, 2);
  // The new leader commits its own entry, which commits the removal everywhere.
  nw.tick(newLeader.id, 2);
  applyConfChanges(nw, ["2", "3"], applied);
  assert.deepEqual(newLeader.prs.confState().voters, ["2", "3"]);
  nw.propose(newLeader.id, "after");
  assert.equal(nw.raft("2").raftLog.committed, nw.raft("3").raftLog.committed);
});

Deno.test("a leader that removes itself with no caught-up voter just steps down", () => {
  const r = leader(["1", "2", "3"]);
  r.applyConfChange({ type: "removeNode", nodeId: "1", context: "" });
  assert.equal(r.state, "follower");
  assert.deepEqual(readMessages(r), []);
});

Deno.test("learners receive entries but neither vote nor count toward commit; promotion makes them voters", () => {
  const r = leader(["1", "2"]);
  r.applyConfChange({ type: "addLearner", nodeId: "3", context: "" });
  readMessages(r);
  r.step(msg("appResp", "3", "1", { term: 1, index: 1 }));
  assert.equal(r.raftLog.committed, 0, "a learner's ack does not commit");
  r.step(msg("appResp", "2", "1", { term: 1, index: 1 }));
  assert.equal(r.raftLog.committed, 1);
  // The learner gets appends like anyone else.
  r.step(msg("prop", "1", "1", { entries: [entry(0, 0, "x")] }));
  assert.ok(readMessages(r).some((m) => m.to === "3" && m.type === "app"));
  // A learner does not receive vote requests.
  const c = newRaft("2", 10, 1, new TestStorage(["1", "2"], ["3"]));
  c.step(msg("hup", "2", "2"));
  assert.deepEqual(readMessages(c).map((m) => m.to), ["1"]);
  // Promotion.
  r.applyConfChange({ type: "addNode", nodeId: "3", context: "" });
  assert.deepEqual(r.prs.confState(), {
    voters: ["1", "2", "3"],
    learners: [],
  });
  assert.equal(r.prs.progress.get("3")!.isLearner, false);
});

Deno.test("leader demoted to learner steps down", () => {
  const r = leader(["1", "2", "3"]);
  r.applyConfChange({ type: "addLearner", nodeId: "1", context: "" });
  assert.equal(r.state, "follower");
  assert.equal(r.isLearner, true);
  assert.equal(r.promotable(), false);
});

Deno.test("removing the leadership transferee aborts the transfer", () => {
  const r = leader(["1", "2", "3"]);
  r.step(msg("transferLeader", "2", "1"));
  assert.equal(r.leadTransferee, "2");
  r.applyConfChange({ type: "removeNode", nodeId: "2", context: "" });
  assert.equal(r.leadTransferee, "");
});

Deno.test("a new member learns the configuration by replaying the log from the start", () => {
  const ids = ["1", "2", "3"];
  const nw = new Network(ids);
  nw.campaign("1");
  for (let i = 0; i < 5; i++) nw.propose("1", `v${i}`);
  const applied = new Map<string, number>();
  applyConfChanges(nw, ids, applied);
  nw.send(
    msg("prop", "1", "1", {
      entries: [ccEntry({ type: "addNode", nodeId: "4", context: "" })],
    }),
  );
  applyConfChanges(nw, ids, applied);
  const s4 = new MemoryStorage();
  nw.peers.set("4", newRaft("4", 10, 1, s4));
  nw.storage.set("4", s4);
  nw.tick("1", 3);
  const r4 = nw.raft("4");
  assert.equal(r4.raftLog.lastIndex(), nw.raft("1").raftLog.lastIndex());
  // The conf change entry that added 4 is in its log: applying it makes 4 a voter in its own eyes.
  applyConfChanges(nw, ["4"], applied);
  assert.equal(r4.promotable(), true);
});
