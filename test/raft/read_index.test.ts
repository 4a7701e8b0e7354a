// Linearizable reads through ReadIndex (safe mode): the leader records its
// commit index, confirms leadership with a heartbeat round, then answers.

import assert from "node:assert/strict";
import { msg, Network, newRaft, readMessages, TestStorage } from "./helpers.ts";

function readReq(ctx: string, from: string, to: string) {
  return msg("readIndex", from, to, { context: ctx });
}

Deno.test("leader answers a read after a quorum acknowledges the heartbeat carrying its context", () => {
  const nw = new Network(["1", "2", "3"]);
  nw.campaign("1");
  nw.propose("1", "x");
  const l = nw.raft("1");
  const commit = l.raftLog.committed;
  l.step(readReq("ctx-1", "1", "1"));
  const hbs = readMessages(l);
  assert.deepEqual(hbs.map((m) => [m.type, m.context]), [
    ["heartbeat", "ctx-1"],
    ["heartbeat", "ctx-1"],
  ]);
  assert.deepEqual(l.readStates, []);
  l.step(msg("heartbeatResp", "2", "1", { term: 1, context: "ctx-1" }));
  assert.deepEqual(l.readStates, [{ index: commit, requestCtx: "ctx-1" }]);
  // The late ack changes nothing.
  l.step(msg("heartbeatResp", "3", "1", { term: 1, context: "ctx-1" }));
  assert.equal(l.readStates.length, 1);
});

Deno.test("an acknowledgement of a later request also answers earlier ones", () => {
  const r = newRaft("1", 10, 1, new TestStorage(["1", "2", "3"]));
  r.becomeCandidate();
  r.becomeLeader();
  r.step(msg("appResp", "2", "1", { term: 1, index: 1 }));
  readMessages(r);
  r.step(readReq("a", "1", "1"));
  r.step(readReq("b", "1", "1"));
  r.step(msg("heartbeatResp", "2", "1", { term: 1, context: "b" }));
  assert.deepEqual(r.readStates.map((s) => s.requestCtx), ["a", "b"]);
});

Deno.test("without a quorum of acknowledgements there is no answer (a deposed leader cannot serve stale reads)", () => {
  const nw = new Network(["1", "2", "3"]);
  nw.campaign("1");
  nw.isolate("1");
  nw.send(readReq("ctx", "1", "1"));
  assert.deepEqual(nw.raft("1").readStates, []);
});

Deno.test("a follower forwards the read to the leader and gets the index back", () => {
  const nw = new Network(["1", "2", "3"]);
  nw.campaign("1");
  nw.propose("1", "x");
  nw.send(readReq("f-1", "2", "2"));
  const f = nw.raft("2");
  assert.deepEqual(f.readStates, [{
    index: nw.raft("1").raftLog.committed,
    requestCtx: "f-1",
  }]);
  assert.deepEqual(nw.raft("1").readStates, []);
});

Deno.test("a new leader answers only after it committed an entry of its own term", () => {
  const r = newRaft("1", 10, 1, new TestStorage(["1", "2", "3"]));
  r.becomeCandidate();
  r.becomeLeader();
  readMessages(r);
  r.step(readReq("early", "1", "1"));
  assert.deepEqual(readMessages(r), [], "no heartbeat round yet");
  assert.equal(r.pendingReadIndexMessages.length, 1);
  r.step(msg("appResp", "2", "1", { term: 1, index: 1 }));
  assert.equal(r.raftLog.committed, 1);
  const hbs = readMessages(r).filter((m) => m.type === "heartbeat");
  assert.ok(hbs.length >= 2 && hbs.every((m) => m.context === "early"));
  r.step(msg("heartbeatResp", "3", "1", { term: 1, context: "early" }));
  assert.deepEqual(r.readStates, [{ index: 1, requestCtx: "early" }]);
});

Deno.test("a single-voter leader answers immediately", () => {
  const r = newRaft("1", 10, 1, new TestStorage(["1"]));
  r.step(msg("hup", "1", "1"));
  r.step(readReq("solo", "1", "1"));
  assert.deepEqual(r.readStates, [{ index: 1, requestCtx: "solo" }]);
});

Deno.test("pending reads are dropped when leadership changes", () => {
  const r = newRaft("1", 10, 1, new TestStorage(["1", "2", "3"]));
  r.becomeCandidate();
  r.becomeLeader();
  r.step(msg("appResp", "2", "1", { term: 1, index: 1 }));
  r.step(readReq("lost", "1", "1"));
  r.step(msg("heartbeat", "2", "1", { term: 2, commit: 0 }));
  r.step(msg("heartbeatResp", "3", "1", { term: 2, context: "lost" }));
  assert.deepEqual(r.readStates, []);
});
