// Leader election (Figure 2 "Rules for Servers" / RequestVote): timeouts,
// vote rules, stepping down on higher terms, pre-vote and check-quorum.

import assert from "node:assert/strict";
import type { Raft } from "../../server/raft/raft.ts";
import { MemoryStorage } from "../../server/raft/storage.ts";
import type { Message, MessageType } from "../../server/raft/types.ts";
import {
  BLACKHOLE,
  msg,
  Network,
  newRaft,
  readMessages,
  storageWithLog,
  type TestOptions,
  TestStorage,
} from "./helpers.ts";

function votedFor(r: Raft): string {
  return r.vote;
}

for (const preVote of [false, true]) {
  Deno.test(`leader election across network shapes (preVote=${preVote})`, () => {
    const opts: TestOptions = { preVote };
    const cases: Array<
      {
        ids: string[];
        down: string[];
        logs?: Record<string, number[]>;
        want: string;
        term: number;
      }
    > = [
      { ids: ["1", "2", "3"], down: [], want: "leader", term: 1 },
      { ids: ["1", "2", "3"], down: ["3"], want: "leader", term: 1 },
      {
        ids: ["1", "2", "3"],
        down: ["2", "3"],
        want: preVote ? "preCandidate" : "candidate",
        term: preVote ? 0 : 1,
      },
      {
        ids: ["1", "2", "3", "4"],
        down: ["3", "4"],
        want: preVote ? "preCandidate" : "candidate",
        term: preVote ? 0 : 1,
      },
      {
        ids: ["1", "2", "3", "4", "5"],
        down: ["4", "5"],
        want: "leader",
        term: 1,
      },
      // Three nodes have logs further ahead (terms 1 then 2...): 1 cannot win.
      {
        ids: ["1", "2", "3", "4", "5"],
        down: [],
        logs: { "2": [1], "3": [2], "4": [2], "5": [1] },
        want: "follower",
        term: preVote ? 0 : 1,
      },
    ];
    for (const [i, c] of cases.entries()) {
      const overrides: Record<string, Raft | typeof BLACKHOLE> = {};
      for (const id of c.down) overrides[id] = BLACKHOLE;
      for (const [id, terms] of Object.entries(c.logs ?? {})) {
        const s = storageWithLog(c.ids, terms);
        s.setHardState({ term: 2, vote: "", commit: 0 });
        overrides[id] = newRaft(id, 10, 1, s, opts);
      }
      if (c.logs) {
        const s1 = new TestStorage(c.ids);
        s1.setHardState({ term: 2, vote: "", commit: 0 });
        overrides["1"] = newRaft("1", 10, 1, s1, opts);
      }
      const nw = new Network(c.ids, opts, overrides);
      nw.campaign("1");
      const r = nw.raft("1");
      assert.equal(r.state, c.want, `case ${i}`);
      if (!c.logs) assert.equal(r.term, c.term, `case ${i} term`);
    }
  });
}

Deno.test("a follower campaigns after its randomized election timeout, which lies in [et, 2et)", () => {
  const et = 10;
  const seen = new Set<number>();
  for (let seed = 1; seed <= 200; seed++) {
    const r = newRaft("1", et, 1, new TestStorage(["1", "2", "3"]), { seed });
    const timeout = r.randomizedElectionTimeout;
    assert.ok(timeout >= et && timeout < 2 * et, `timeout ${timeout}`);
    seen.add(timeout);
    for (let t = 1; t < timeout; t++) {
      r.tick();
      assert.equal(r.state, "follower");
    }
    r.tick();
    assert.equal(r.state, "candidate");
    assert.equal(r.term, 1);
  }
  assert.ok(seen.size >= 8, `timeouts should spread out, saw ${[...seen]}`);
});

Deno.test("a single voter elects itself immediately", () => {
  const r = newRaft("1", 10, 1, new TestStorage(["1"]));
  r.step(msg("hup", "1", "1"));
  assert.equal(r.state, "leader");
  assert.equal(r.term, 1);
  // It committed its empty entry on its own.
  assert.equal(r.raftLog.committed, 1);
});

Deno.test("a candidate sends vote requests with its last index and term to every other voter", () => {
  const s = storageWithLog(["1", "2", "3"], [1, 2]);
  s.setHardState({ term: 2, vote: "", commit: 0 });
  const r = newRaft("1", 10, 1, s);
  r.step(msg("hup", "1", "1"));
  const msgs = readMessages(r).sort((a, b) => a.to.localeCompare(b.to));
  assert.deepEqual(
    msgs.map((m) => [m.type, m.to, m.term, m.index, m.logTerm]),
    [["vote", "2", 3, 2, 2], ["vote", "3", 3, 2, 2]],
  );
  assert.equal(votedFor(r), "1");
});

Deno.test("one vote per term: first come first served, repeat requests from the same candidate are granted", () => {
  const r = newRaft("1", 10, 1, new TestStorage(["1", "2", "3"]));
  const vote = (from: string, term: number) =>
    msg("vote", from, "1", { term, index: 0, logTerm: 0 });
  r.step(vote("2", 1));
  r.step(vote("3", 1));
  r.step(vote("2", 1));
  const resps = readMessages(r).map((m) => [m.to, m.reject]);
  assert.deepEqual(resps, [["2", false], ["3", true], ["2", false]]);
  assert.equal(r.vote, "2");
  // A new term frees the vote.
  r.step(vote("3", 2));
  assert.deepEqual(readMessages(r).map((m) => [m.to, m.reject, m.term]), [[
    "3",
    false,
    2,
  ]]);
});

Deno.test("vote is granted only to candidates whose log is at least as up-to-date", () => {
  // Voter log: terms 1, 2 (last index 2, last term 2).
  const cases: Array<[number, number, boolean]> = [
    [2, 2, true],
    [3, 2, true],
    [1, 3, true],
    [1, 2, false],
    [3, 1, false],
    [0, 0, false],
  ];
  for (const type of ["vote", "preVote"] as const) {
    for (const [index, logTerm, grant] of cases) {
      const s = storageWithLog(["1", "2"], [1, 2]);
      s.setHardState({ term: 2, vote: "", commit: 0 });
      const r = newRaft("1", 10, 1, s);
      r.step(msg(type, "2", "1", { term: 3, index, logTerm }));
      const [resp] = readMessages(r);
      assert.equal(resp.type, type === "vote" ? "voteResp" : "preVoteResp");
      assert.equal(resp.reject, !grant, `${type} ${index}/${logTerm}`);
      // Granting a real vote answers in the new term; rejections answer with our term.
      if (type === "vote") assert.equal(resp.term, 3);
      if (type === "preVote") {
        assert.equal(r.term, 2, "a pre-vote never changes the voter's term");
        assert.equal(resp.term, grant ? 3 : 2);
      }
    }
  }
});

Deno.test("every state steps down to follower on a message with a higher term", () => {
  const states = ["follower", "candidate", "preCandidate", "leader"] as const;
  const types: MessageType[] = ["app", "heartbeat", "vote", "appResp"];
  for (const st of states) {
    for (const type of types) {
      const r = newRaft("1", 10, 1, new TestStorage(["1", "2", "3"]), {
        preVote: st === "preCandidate",
      });
      if (st === "candidate") r.becomeCandidate();
      if (st === "preCandidate") r.becomePreCandidate();
      if (st === "leader") {
        r.becomeCandidate();
        r.becomeLeader();
      }
      const fields: Partial<Message> = {
        term: 5,
        index: 0,
        logTerm: 0,
        commit: 0,
      };
      r.step(msg(type, "2", "1", fields));
      assert.equal(r.state, "follower", `${st} on ${type}`);
      assert.equal(r.term, 5);
      // Only messages from a leader tell us who the leader is.
      assert.equal(
        r.lead,
        type === "app" || type === "heartbeat" ? "2" : "",
        `${st} on ${type}`,
      );
    }
  }
});

Deno.test("messages with a stale term are refused; a stale leader is told the current term", () => {
  const s = new TestStorage(["1", "2", "3"]);
  s.setHardState({ term: 3, vote: "", commit: 0 });
  const r = newRaft("1", 10, 1, s);
  r.step(
    msg("app", "2", "1", {
      term: 2,
      index: 0,
      logTerm: 0,
      entries: [{ term: 2, index: 1, type: "normal", data: "x" }],
    }),
  );
  r.step(msg("heartbeat", "2", "1", { term: 2, commit: 0 }));
  r.step(msg("vote", "2", "1", { term: 2, index: 5, logTerm: 2 }));
  r.step(msg("appResp", "2", "1", { term: 2, index: 5 }));
  assert.deepEqual(readMessages(r).map((m) => [m.type, m.to, m.term]), [[
    "appResp",
    "2",
    3,
  ], ["appResp", "2", 3]]);
  assert.equal(r.raftLog.lastIndex(), 0);
  assert.equal(r.term, 3);
  // The stale leader steps down when the answer arrives.
  const old = newRaft("2", 10, 1, new TestStorage(["1", "2", "3"]));
  old.becomeCandidate();
  old.becomeLeader();
  old.step(msg("appResp", "1", "2", { term: 3 }));
  assert.equal(old.state, "follower");
  assert.equal(old.term, 3);
});

Deno.test("a candidate becomes follower when the leader of its term appears, and leader when a quorum votes", () => {
  const r = newRaft("1", 10, 1, new TestStorage(["1", "2", "3"]));
  r.step(msg("hup", "1", "1"));
  assert.equal(r.state, "candidate");
  r.step(msg("app", "2", "1", { term: 1, index: 0, logTerm: 0, commit: 0 }));
  assert.equal(r.state, "follower");
  assert.equal(r.lead, "2");

  const r2 = newRaft("1", 10, 1, new TestStorage(["1", "2", "3", "4", "5"]));
  r2.step(msg("hup", "1", "1"));
  r2.step(msg("voteResp", "2", "1", { term: 1, reject: true }));
  r2.step(msg("voteResp", "3", "1", { term: 1 }));
  assert.equal(r2.state, "candidate");
  r2.step(msg("voteResp", "4", "1", { term: 1 }));
  assert.equal(r2.state, "leader");
  // The new leader appends an empty entry of its term and sends it.
  assert.deepEqual([r2.raftLog.lastIndex(), r2.raftLog.lastTerm()], [1, 1]);
  const apps = readMessages(r2).filter((m) => m.type === "app");
  assert.equal(apps.length, 4);
  assert.equal(apps[0].entries![0].data, "");
});

Deno.test("a candidate that a quorum rejects returns to follower", () => {
  const r = newRaft("1", 10, 1, new TestStorage(["1", "2", "3"]));
  r.step(msg("hup", "1", "1"));
  r.step(msg("voteResp", "2", "1", { term: 1, reject: true }));
  r.step(msg("voteResp", "3", "1", { term: 1, reject: true }));
  assert.equal(r.state, "follower");
  assert.equal(r.term, 1);
});

Deno.test("a leader or follower that heard from a leader rejects a vote in its current term", () => {
  const nw = new Network(["1", "2", "3"]);
  nw.campaign("1");
  const f = nw.raft("2");
  assert.equal(f.lead, "1");
  f.step(msg("vote", "3", "2", { term: f.term, index: 99, logTerm: 99 }));
  assert.equal(readMessages(f)[0].reject, true);
});

Deno.test("split vote resolves with randomized timeouts", () => {
  const nw = new Network(["1", "2", "3", "4"]);
  // 1 and 2 campaign in the same term; 3 votes for 1, 4 for 2: nobody wins.
  const r1 = nw.raft("1"), r2 = nw.raft("2");
  r1.becomeCandidate();
  r2.becomeCandidate();
  readMessages(r1);
  readMessages(r2);
  nw.send(
    msg("vote", "1", "3", { term: 1, index: 0, logTerm: 0 }),
    msg("vote", "2", "4", { term: 1, index: 0, logTerm: 0 }),
  );
  nw.send(
    msg("voteResp", "3", "1", { term: 1 }),
    msg("voteResp", "4", "2", { term: 1 }),
  );
  assert.equal(r1.state, "candidate");
  assert.equal(r2.state, "candidate");
  // Ticking everyone eventually elects one leader.
  for (
    let t = 0;
    t < 100 &&
    ![...nw.peers.values()].some((p) =>
      p !== BLACKHOLE && p.state === "leader"
    );
    t++
  ) {
    for (const id of ["1", "2", "3", "4"]) nw.tick(id);
  }
  const leaders = ["1", "2", "3", "4"].filter((id) =>
    nw.raft(id).state === "leader"
  );
  assert.equal(leaders.length, 1);
});

Deno.test("pre-vote: an isolated node does not inflate its term; without pre-vote it does", () => {
  for (const preVote of [false, true]) {
    const nw = new Network(["1", "2", "3"], { preVote });
    nw.campaign("1");
    nw.isolate("3");
    for (let i = 0; i < 5; i++) nw.campaign("3");
    const r3 = nw.raft("3");
    if (preVote) {
      assert.equal(r3.term, 1);
      assert.equal(r3.state, "preCandidate");
    } else {
      assert.equal(r3.term, 6);
      assert.equal(r3.state, "candidate");
    }
  }
});

Deno.test("pre-vote + check-quorum: a partitioned member that comes back does not depose a healthy leader", () => {
  const nw = new Network(["1", "2", "3"], { preVote: true, checkQuorum: true });
  // Let everybody settle with 1 as leader.
  nw.campaign("1");
  for (let t = 0; t < 5; t++) nw.tick("1");
  nw.isolate("3");
  nw.propose("1", "while 3 was away");
  for (let t = 0; t < 60; t++) {
    nw.tick("1");
    nw.tick("2");
    nw.tick("3");
  }
  assert.equal(nw.raft("3").term, 1, "pre-vote keeps the isolated node's term");
  nw.recover();
  for (let t = 0; t < 60; t++) {
    nw.tick("1");
    nw.tick("2");
    nw.tick("3");
  }
  assert.equal(nw.raft("1").state, "leader");
  assert.equal(nw.raft("1").term, 1);
  assert.equal(nw.raft("3").lead, "1");
  assert.equal(nw.raft("3").raftLog.committed, nw.raft("1").raftLog.committed);
});

Deno.test("without pre-vote or check-quorum, a returning partitioned member disrupts the leader", () => {
  const nw = new Network(["1", "2", "3"]);
  nw.campaign("1");
  nw.isolate("3");
  nw.campaign("3");
  nw.campaign("3");
  nw.recover();
  // Its next vote request bumps everyone's term; 1 loses leadership.
  nw.campaign("3");
  assert.notEqual(nw.raft("1").state, "leader");
  assert.equal(nw.raft("1").term, 4);
});

Deno.test("check-quorum: a follower in lease ignores higher-term vote requests unless forced by a transfer", () => {
  const nw = new Network(["1", "2", "3"], { checkQuorum: true });
  nw.campaign("1");
  const f = nw.raft("2");
  f.step(msg("vote", "3", "2", { term: 5, index: 9, logTerm: 9 }));
  assert.equal(f.term, 1);
  assert.deepEqual(readMessages(f), []);
  f.step(
    msg("vote", "3", "2", {
      term: 5,
      index: 9,
      logTerm: 9,
      context: "transfer",
    }),
  );
  assert.equal(f.term, 5);
  assert.equal(readMessages(f)[0].reject, false);
});

Deno.test("check-quorum: a leader that loses its quorum steps down after an election timeout", () => {
  const nw = new Network(["1", "2", "3"], { checkQuorum: true });
  nw.campaign("1");
  const l = nw.raft("1");
  // With followers answering, the leader stays.
  for (let t = 0; t < 25; t++) nw.tick("1");
  assert.equal(l.state, "leader");
  nw.isolate("1");
  // The first check may still see the activity from before the isolation.
  for (let t = 0; t < 2 * l.electionTimeout; t++) nw.tick("1");
  assert.equal(l.state, "follower");
  assert.equal(l.term, 1);
});

Deno.test("check-quorum: a leader that loses one follower of three keeps leading", () => {
  const nw = new Network(["1", "2", "3"], { checkQuorum: true });
  nw.campaign("1");
  nw.isolate("3");
  for (let t = 0; t < 50; t++) nw.tick("1");
  assert.equal(nw.raft("1").state, "leader");
});

Deno.test("check-quorum: a member with a higher term and a stale log does not block the cluster forever", () => {
  // 3 is isolated and campaigns (no pre-vote) to a high term while 1 keeps committing.
  const nw = new Network(["1", "2", "3"], { checkQuorum: true });
  nw.campaign("1");
  nw.isolate("3");
  nw.propose("1", "a");
  for (let i = 0; i < 3; i++) {
    for (let t = 0; t < 30; t++) nw.tick("3");
  }
  const r3 = nw.raft("3");
  assert.ok(r3.term > 1);
  nw.recover();
  // 1's heartbeats reach 3, which answers with its higher term: 1 steps down,
  // and a member with the full log wins the next election at that term or later.
  for (let t = 0; t < 100; t++) for (const id of ["1", "2", "3"]) nw.tick(id);
  const leaders = ["1", "2", "3"].filter((id) =>
    nw.raft(id).state === "leader"
  );
  assert.equal(leaders.length, 1);
  assert.notEqual(leaders[0], "3");
  assert.ok(nw.raft(leaders[0]).term >= r3.term);
  assert.equal(
    nw.raft("3").raftLog.committed,
    nw.raft(leaders[0]).raftLog.committed,
  );
});

Deno.test("pre-vote: a pre-candidate rejected at a higher term becomes a follower at that term", () => {
  const r = newRaft("1", 10, 1, new TestStorage(["1", "2", "3"]), {
    preVote: true,
  });
  r.step(msg("hup", "1", "1"));
  assert.equal(r.state, "preCandidate");
  r.step(msg("preVoteResp", "2", "1", { term: 4, reject: true }));
  assert.equal(r.state, "follower");
  assert.equal(r.term, 4);
});

Deno.test("pre-vote: winning the pre-vote starts a real election at term+1", () => {
  const r = newRaft("1", 10, 1, new TestStorage(["1", "2", "3"]), {
    preVote: true,
  });
  r.step(msg("hup", "1", "1"));
  const pre = readMessages(r);
  assert.deepEqual(pre.map((m) => [m.type, m.term]), [["preVote", 1], [
    "preVote",
    1,
  ]]);
  assert.equal(r.term, 0);
  r.step(msg("preVoteResp", "2", "1", { term: 1 }));
  assert.equal(r.state, "candidate");
  assert.equal(r.term, 1);
  assert.deepEqual(readMessages(r).map((m) => [m.type, m.term]), [["vote", 1], [
    "vote",
    1,
  ]]);
});

Deno.test("a learner never campaigns", () => {
  const s = new TestStorage(["1", "2"], ["3"]);
  const r = newRaft("3", 10, 1, s);
  for (let t = 0; t < 100; t++) r.tick();
  assert.equal(r.state, "follower");
  assert.equal(r.term, 0);
  r.step(msg("hup", "3", "3"));
  assert.equal(r.state, "follower");
});

Deno.test("a node that is not in its own configuration never campaigns", () => {
  const r = newRaft("9", 10, 1, new MemoryStorage());
  for (let t = 0; t < 100; t++) r.tick();
  assert.equal(r.term, 0);
});

Deno.test("vote state survives a restart: a node does not vote twice in a term after restarting", () => {
  const s = new TestStorage(["1", "2", "3"]);
  const r = newRaft("1", 10, 1, s);
  r.step(msg("vote", "2", "1", { term: 1, index: 0, logTerm: 0 }));
  s.setHardState(r.hardState());
  const restarted = newRaft("1", 10, 1, s);
  assert.equal(restarted.vote, "2");
  restarted.step(msg("vote", "3", "1", { term: 1, index: 0, logTerm: 0 }));
  assert.equal(readMessages(restarted)[0].reject, true);
});
