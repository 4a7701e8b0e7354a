// Log replication (Figure 2 AppendEntries and "Rules for Servers"):
// consistency check, truncation, commit rules incl. Figure 8, fast
// backtracking, heartbeats, flow control, proposal forwarding.

import assert from "node:assert/strict";
import { ProposalDroppedError } from "../../server/raft/errors.ts";
import type { Raft } from "../../server/raft/raft.ts";
import type { Entry } from "../../server/raft/types.ts";
import {
  entry,
  entsWithTerms,
  logTerms,
  msg,
  Network,
  newRaft,
  readMessages,
  stabilize,
  storageWithLog,
  type TestOptions,
  TestStorage,
} from "./helpers.ts";

function leaderOf(ids: string[], opts: TestOptions = {}): Raft {
  const r = newRaft(ids[0], 10, 1, new TestStorage(ids), opts);
  r.becomeCandidate();
  r.becomeLeader();
  readMessages(r);
  return r;
}

function propose(r: Raft, data: string): void {
  r.step(msg("prop", r.id, r.id, { entries: [entry(0, 0, data)] }));
}

Deno.test("leader appends proposals at its term and replicates with prev index/term and commit", () => {
  const r = leaderOf(["1", "2", "3"]);
  propose(r, "a");
  propose(r, "b");
  assert.deepEqual(logTerms(r), [[1, 1], [2, 1], [3, 1]]);
  const msgs = readMessages(r).filter((m) => m.to === "2");
  // The follower is probing: one message, starting after the empty entry the new leader sent.
  assert.equal(msgs.length, 1);
  assert.equal(msgs[0].type, "app");
  assert.equal(msgs[0].commit, 0);
});

Deno.test("a leader's batch of proposals goes out as one append per follower", () => {
  const r = leaderOf(["1", "2", "3"]);
  // Bring followers to replicate state.
  r.step(msg("appResp", "2", "1", { term: 1, index: 1 }));
  r.step(msg("appResp", "3", "1", { term: 1, index: 1 }));
  readMessages(r);
  for (let i = 0; i < 50; i++) propose(r, `p${i}`);
  const msgs = readMessages(r);
  assert.equal(msgs.length, 2);
  for (const m of msgs) {
    assert.equal(m.index, 1);
    assert.equal(m.logTerm, 1);
    assert.equal(m.entries!.length, 50);
    assert.equal(m.commit, 1);
  }
});

Deno.test("follower consistency check: append only if the entry at prevLogIndex has prevLogTerm", () => {
  // Follower log: terms 1, 2 at indexes 1, 2.
  const cases: Array<
    {
      index: number;
      logTerm: number;
      reject: boolean;
      hint?: number;
      hintTerm?: number;
      respIndex: number;
    }
  > = [
    { index: 0, logTerm: 0, reject: false, respIndex: 0 }, // wait: index 0 matches the empty prefix
    { index: 1, logTerm: 1, reject: false, respIndex: 1 },
    { index: 2, logTerm: 2, reject: false, respIndex: 2 },
    { index: 2, logTerm: 1, reject: true, hint: 1, hintTerm: 1, respIndex: 2 }, // term mismatch
    { index: 3, logTerm: 3, reject: true, hint: 2, hintTerm: 2, respIndex: 3 }, // beyond our log
  ];
  for (const [i, c] of cases.entries()) {
    const s = storageWithLog(["1", "2"], [1, 2]);
    s.setHardState({ term: 2, vote: "", commit: 0 });
    const r = newRaft("2", 10, 1, s);
    r.step(
      msg("app", "1", "2", {
        term: 2,
        index: c.index,
        logTerm: c.logTerm,
        commit: 0,
      }),
    );
    const [resp] = readMessages(r);
    assert.equal(resp.type, "appResp");
    assert.equal(resp.reject ?? false, c.reject, `case ${i}`);
    assert.equal(resp.index, c.respIndex, `case ${i}`);
    if (c.reject) {
      assert.equal(resp.rejectHint, c.hint, `case ${i} hint`);
      assert.equal(resp.logTerm, c.hintTerm, `case ${i} hint term`);
    }
  }
});

Deno.test("follower truncates conflicting entries and keeps matching ones (§5.3)", () => {
  const cases: Array<
    {
      index: number;
      logTerm: number;
      ents: Array<[number, number]>;
      want: number[];
    }
  > = [
    { index: 2, logTerm: 2, ents: [[3, 3]], want: [1, 2, 3] },
    { index: 1, logTerm: 1, ents: [[2, 3], [3, 4]], want: [1, 3, 4] },
    { index: 0, logTerm: 0, ents: [[1, 1]], want: [1, 2] }, // a stale, matching append changes nothing
    { index: 0, logTerm: 0, ents: [[1, 3]], want: [3] },
    { index: 2, logTerm: 2, ents: [], want: [1, 2] },
  ];
  for (const [i, c] of cases.entries()) {
    const s = storageWithLog(["1", "2"], [1, 2]);
    s.setHardState({ term: 2, vote: "", commit: 0 });
    const r = newRaft("2", 10, 1, s);
    r.step(msg("app", "1", "2", {
      term: 4,
      index: c.index,
      logTerm: c.logTerm,
      commit: 0,
      entries: c.ents.map(([idx, t]) => entry(idx, t)),
    }));
    assert.deepEqual(logTerms(r).map(([, t]) => t), c.want, `case ${i}`);
  }
});

Deno.test("follower commits min(leaderCommit, index of last new entry)", () => {
  const cases: Array<
    { ents: Array<[number, number]>; commit: number; want: number }
  > = [
    { ents: [[3, 1]], commit: 3, want: 3 },
    { ents: [[3, 1], [4, 1]], commit: 3, want: 3 },
    { ents: [[3, 1]], commit: 5, want: 3 }, // entries 4.. are not known to match
    { ents: [], commit: 5, want: 2 },
    { ents: [], commit: 1, want: 1 },
  ];
  for (const [i, c] of cases.entries()) {
    const s = storageWithLog(["1", "2"], [1, 1]);
    s.setHardState({ term: 1, vote: "", commit: 0 });
    const r = newRaft("2", 10, 1, s);
    r.step(msg("app", "1", "2", {
      term: 1,
      index: 2,
      logTerm: 1,
      commit: c.commit,
      entries: c.ents.map(([idx, t]) => entry(idx, t)),
    }));
    assert.equal(r.raftLog.committed, c.want, `case ${i}`);
  }
});

Deno.test("an append below the follower's commit index is answered with the commit index", () => {
  const s = storageWithLog(["1", "2"], [1, 1, 1]);
  s.setHardState({ term: 1, vote: "", commit: 3 });
  const r = newRaft("2", 10, 1, s);
  r.step(
    msg("app", "1", "2", {
      term: 1,
      index: 1,
      logTerm: 1,
      commit: 3,
      entries: [entry(2, 1)],
    }),
  );
  const [resp] = readMessages(r);
  assert.equal(resp.reject, undefined);
  assert.equal(resp.index, 3);
});

Deno.test("leader commits an entry once a majority holds it", () => {
  // [voters, acks (followers that acked index 2)] -> committed
  const cases: Array<[string[], string[], number]> = [
    [["1"], [], 2],
    [["1", "2"], [], 1],
    [["1", "2"], ["2"], 2],
    [["1", "2", "3"], [], 1],
    [["1", "2", "3"], ["2"], 2],
    [["1", "2", "3", "4"], ["2"], 1],
    [["1", "2", "3", "4"], ["2", "3"], 2],
    [["1", "2", "3", "4", "5"], ["2"], 1],
    [["1", "2", "3", "4", "5"], ["2", "5"], 2],
  ];
  for (const [voters, acks, want] of cases) {
    const r = leaderOf(voters);
    // Everybody acked the empty entry (index 1); then one proposal at index 2.
    for (const id of voters.slice(1)) {
      r.step(msg("appResp", id, "1", { term: 1, index: 1 }));
    }
    propose(r, "x");
    for (const id of acks) {
      r.step(msg("appResp", id, "1", { term: 1, index: 2 }));
    }
    assert.equal(r.raftLog.committed, want, `${voters} acked by ${acks}`);
  }
});

Deno.test("Figure 8: a leader never commits an entry of an earlier term by counting replicas", () => {
  // The leader of term 3 holds entries [1, 2] (index 2 from term 2 was never committed).
  const s = storageWithLog(["1", "2", "3"], [1, 2]);
  s.setHardState({ term: 2, vote: "", commit: 1 });
  const r = newRaft("1", 10, 1, s);
  r.becomeCandidate();
  r.becomeLeader();
  assert.equal(r.term, 3);
  assert.deepEqual(logTerms(r).map(([, t]) => t), [1, 2, 3]);
  readMessages(r);
  // A majority now holds index 2 (term 2) but not index 3: index 2 must stay uncommitted.
  r.step(msg("appResp", "2", "1", { term: 3, index: 2 }));
  assert.equal(r.raftLog.committed, 1);
  // Once the term-3 entry is on a majority, both commit together.
  r.step(msg("appResp", "2", "1", { term: 3, index: 3 }));
  assert.equal(r.raftLog.committed, 3);
});

Deno.test("Figure 8 scenario end to end: an old-term entry on a majority is not committed and may be overwritten", () => {
  // The paper's S1..S5, with every term shifted down by one (our first leader has term 1).
  const ids = ["1", "2", "3", "4", "5"];
  const nw = new Network(ids, { maxSizePerMsg: 0 });
  const r = (id: string) => nw.raft(id);
  nw.campaign("1");
  nw.tick("1");
  // (a) S1 (term 1) writes "old" at index 2 to itself and S2 only.
  for (const id of ["3", "4", "5"]) nw.drop("1", id);
  nw.propose("1", "old");
  assert.equal(r("2").raftLog.term(2), 1);
  assert.equal(r("1").raftLog.committed, 1);
  // (b) S1 is down; S5 wins term 2 with S3, S4 and appends its own entry at index 2, which reaches nobody.
  nw.recover();
  nw.isolate("1");
  nw.ignore("app");
  nw.campaign("5");
  assert.equal(r("5").state, "leader");
  assert.equal(r("5").term, 2);
  assert.equal(r("5").raftLog.term(2), 2);
  // (c) S5 is down; S1 wins term 3 (two tries: term 2 is taken) and copies "old" to S3, but
  // its own term-3 entry reaches nobody. "old" is on a majority, yet must not commit.
  nw.recover();
  nw.isolate("5");
  nw.restart("1");
  // Appends to S4 are lost; appends to others lose their term-3 entries.
  nw.filter = (m) => {
    if (m.type !== "app") return m;
    if (m.to === "4") return undefined;
    return { ...m, entries: (m.entries ?? []).filter((e) => e.term !== 3) };
  };
  nw.campaign("1");
  nw.campaign("1");
  assert.equal(r("1").state, "leader");
  assert.equal(r("1").term, 3);
  nw.tick("1", 3);
  assert.equal(r("3").raftLog.term(2), 1, "S3 holds the old entry");
  assert.equal(r("1").prs.committed(), 2, "a majority holds index 2");
  for (const id of ["1", "2", "3", "4"]) {
    assert.equal(r(id).raftLog.committed, 1, `S${id} must not commit index 2`);
  }
  // (d) S1 is down; S5 wins term 4 (its last term 2 beats their 1) and overwrites index 2 everywhere.
  nw.filter = undefined;
  nw.recover();
  nw.isolate("1");
  nw.restart("5");
  nw.campaign("5");
  nw.campaign("5");
  assert.equal(r("5").state, "leader");
  nw.tick("5", 3);
  for (const id of ["2", "3", "4", "5"]) {
    assert.equal(r(id).raftLog.term(2), 2, `S${id} index 2`);
    assert.ok(r(id).raftLog.committed >= 3);
  }
});

Deno.test("leader brings divergent follower logs in line with its own (Figure 7)", () => {
  // Leader log (term 8 after election): the paper's Figure 7.
  const leaderTerms = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  const followers: number[][] = [
    [1, 1, 1, 4, 4, 5, 5, 6, 6], // (a) missing one entry
    [1, 1, 1, 4], // (b) missing many
    [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6], // (c) one extra uncommitted entry
    [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], // (d) extra entries of a newer term
    [1, 1, 1, 4, 4, 4, 4], // (e) wrong entries of term 4
    [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], // (f) a whole divergent suffix
  ];
  for (const [i, fl] of followers.entries()) {
    const ls = storageWithLog(["1", "2", "3"], leaderTerms);
    ls.setHardState({ term: 7, vote: "", commit: 0 });
    const leader = newRaft("1", 10, 1, ls);
    const fs = storageWithLog(["1", "2", "3"], fl);
    fs.setHardState({ term: 7, vote: "", commit: 0 });
    const follower = newRaft("2", 10, 1, fs);
    const nw = new Network(["1", "2", "3"], {}, {
      "1": leader,
      "2": follower,
      "3": "blackhole",
    });
    // 1 wins term 8 with 3's vote (3 is a blackhole here, so grant manually).
    leader.step(msg("hup", "1", "1"));
    readMessages(leader);
    leader.step(msg("voteResp", "3", "1", { term: 8 }));
    assert.equal(leader.state, "leader", `case ${i}`);
    nw.send(...readMessages(leader));
    // Drive a few heartbeats so the follower's commit catches up too.
    nw.tick("1", 3);
    assert.deepEqual(logTerms(follower), logTerms(leader), `case ${i}`);
    assert.equal(leader.raftLog.committed, 11, `case ${i}`);
    assert.equal(follower.raftLog.committed, 11, `case ${i}`);
  }
});

Deno.test("fast backtracking finds the match point in few round trips", () => {
  // A follower with a long divergent suffix of an old term: a naive one-by-one
  // decrement would need ~50 round trips; with hints it takes a couple.
  const leaderTerms = [1, ...new Array(60).fill(3)];
  const followerTerms = [1, ...new Array(60).fill(2)];
  const ls = storageWithLog(["1", "2"], leaderTerms);
  ls.setHardState({ term: 3, vote: "", commit: 1 });
  const fs = storageWithLog(["1", "2"], followerTerms);
  fs.setHardState({ term: 3, vote: "", commit: 1 });
  const leader = newRaft("1", 10, 1, ls);
  const follower = newRaft("2", 10, 1, fs);
  leader.step(msg("hup", "1", "1"));
  readMessages(leader);
  leader.step(msg("voteResp", "2", "1", { term: 4 }));
  assert.equal(leader.state, "leader");
  let rejections = 0;
  let q = readMessages(leader);
  for (let round = 0; round < 20 && q.length; round++) {
    const next = [];
    for (const m of q) {
      const target = m.to === "2" ? follower : leader;
      target.step(m);
      for (const out of readMessages(target)) {
        if (out.type === "appResp" && out.reject) rejections++;
        next.push(out);
      }
    }
    q = next;
  }
  assert.ok(rejections <= 2, `rejections: ${rejections}`);
  assert.deepEqual(logTerms(follower), logTerms(leader));
});

Deno.test("fast backtracking: the follower's hint skips entries of newer terms", () => {
  // Follower log terms: 1 1 3 3 3 (index 1..5). Leader probes at index 7 with logTerm 2.
  const s = storageWithLog(["1", "2"], [1, 1, 3, 3, 3]);
  s.setHardState({ term: 4, vote: "", commit: 0 });
  const r = newRaft("2", 10, 1, s);
  r.step(msg("app", "1", "2", { term: 4, index: 7, logTerm: 2, commit: 0 }));
  const [resp] = readMessages(r);
  assert.equal(resp.reject, true);
  // min(7, last=5) = 5 has term 3 > 2, skip back to index 2 (term 1 <= 2).
  assert.equal(resp.rejectHint, 2);
  assert.equal(resp.logTerm, 1);
});

Deno.test("heartbeats carry min(match, commit) and commit on the follower", () => {
  const r = leaderOf(["1", "2", "3"]);
  r.step(msg("appResp", "2", "1", { term: 1, index: 1 }));
  propose(r, "a");
  r.step(msg("appResp", "2", "1", { term: 1, index: 2 }));
  assert.equal(r.raftLog.committed, 2);
  readMessages(r);
  r.step(msg("beat", "1", "1"));
  const hbs = readMessages(r).filter((m) => m.type === "heartbeat");
  assert.deepEqual(hbs.map((m) => [m.to, m.commit]).sort(), [["2", 2], [
    "3",
    0,
  ]]);

  const s = storageWithLog(["1", "2"], [1, 1, 1]);
  s.setHardState({ term: 1, vote: "", commit: 1 });
  const f = newRaft("2", 10, 1, s);
  f.step(msg("heartbeat", "1", "2", { term: 1, commit: 3 }));
  assert.equal(f.raftLog.committed, 3);
  f.step(msg("heartbeat", "1", "2", { term: 1, commit: 2 }));
  assert.equal(f.raftLog.committed, 3, "commit never goes back");
  assert.equal(readMessages(f).every((m) => m.type === "heartbeatResp"), true);
});

Deno.test("the leader sends heartbeats every heartbeatTick", () => {
  const r = newRaft("1", 10, 2, new TestStorage(["1", "2", "3"]));
  r.becomeCandidate();
  r.becomeLeader();
  readMessages(r);
  r.tick();
  assert.equal(readMessages(r).length, 0);
  r.tick();
  assert.deepEqual(readMessages(r).map((m) => m.type), [
    "heartbeat",
    "heartbeat",
  ]);
});

Deno.test("flow control: a probing follower gets one append until it answers", () => {
  const r = leaderOf(["1", "2"]);
  for (let i = 0; i < 5; i++) propose(r, `p${i}`);
  const first = readMessages(r);
  assert.equal(first.length, 1);
  for (let i = 0; i < 5; i++) propose(r, `q${i}`);
  assert.equal(readMessages(r).length, 0, "paused while probing");
  // A heartbeat response unpauses a probe.
  r.step(msg("heartbeatResp", "2", "1", { term: 1 }));
  assert.equal(readMessages(r).filter((m) => m.type === "app").length, 1);
});

Deno.test("flow control: replicate state pipelines up to maxInflightMsgs, split by maxSizePerMsg", () => {
  const r = leaderOf(["1", "2"], { maxInflightMsgs: 3, maxSizePerMsg: 10 });
  r.step(msg("appResp", "2", "1", { term: 1, index: 1 }));
  assert.equal(r.prs.progress.get("2")!.state, "replicate");
  readMessages(r);
  for (let i = 0; i < 10; i++) propose(r, "12345"); // two entries fit in 10 bytes
  const apps = readMessages(r);
  assert.deepEqual(apps.map((m) => m.entries!.length), [2, 2, 2]);
  assert.equal(r.prs.progress.get("2")!.isPaused(), true);
  // Acknowledging the first message frees one slot.
  r.step(msg("appResp", "2", "1", { term: 1, index: 3 }));
  assert.deepEqual(
    readMessages(r).filter((m) => m.type === "app").map((
      m,
    ) => [m.index, m.entries!.length]),
    [[7, 2]],
  );
  // A heartbeat response with a full window frees one slot too.
  r.step(msg("heartbeatResp", "2", "1", { term: 1 }));
  assert.deepEqual(
    readMessages(r).filter((m) => m.type === "app").map((
      m,
    ) => [m.index, m.entries!.length]),
    [[9, 2]],
  );
});

Deno.test("a rejection in replicate state falls back to probing", () => {
  const r = leaderOf(["1", "2"]);
  r.step(msg("appResp", "2", "1", { term: 1, index: 1 }));
  propose(r, "a");
  readMessages(r);
  r.step(
    msg("appResp", "2", "1", {
      term: 1,
      index: 1,
      reject: true,
      rejectHint: 0,
      logTerm: 0,
    }),
  );
  const pr = r.prs.progress.get("2")!;
  // The rejection of index 1 is stale: it is already matched.
  assert.equal(pr.state, "replicate");
  r.step(
    msg("appResp", "2", "1", {
      term: 1,
      index: 2,
      reject: true,
      rejectHint: 1,
      logTerm: 1,
    }),
  );
  assert.equal(pr.state, "probe");
  assert.equal(pr.next, 2);
});

Deno.test("reportUnreachable moves a replicating follower back to probe", () => {
  const r = leaderOf(["1", "2"]);
  r.step(msg("appResp", "2", "1", { term: 1, index: 1 }));
  assert.equal(r.prs.progress.get("2")!.state, "replicate");
  r.step(msg("unreachable", "2", "1"));
  assert.equal(r.prs.progress.get("2")!.state, "probe");
});

Deno.test("duplicated and reordered messages are harmless", () => {
  const nw = new Network(["1", "2", "3"]);
  nw.campaign("1");
  nw.propose("1", "a");
  const l = nw.raft("1");
  const f = nw.raft("2");
  const before = logTerms(f);
  // Replay an old append and an old response.
  const oldApp = nw.delivered.find((m) =>
    m.type === "app" && m.to === "2" && (m.entries ?? []).length > 0
  )!;
  f.step(structuredClone(oldApp));
  f.step(structuredClone(oldApp));
  l.step(msg("appResp", "2", "1", { term: 1, index: 1 }));
  assert.deepEqual(logTerms(f), before);
  assert.equal(l.prs.progress.get("2")!.match, 2);
  readMessages(f);
  readMessages(l);
});

Deno.test("proposals: forwarded by followers, refused without a leader or with forwarding disabled", () => {
  const nw = new Network(["1", "2", "3"]);
  nw.campaign("1");
  nw.propose("2", "via follower");
  const l = nw.raft("1");
  assert.equal(l.raftLog.committed, 2);
  assert.equal(nw.storage.get("3")!.entries(2, 3)[0].data, "via follower");

  const lonely = newRaft("1", 10, 1, new TestStorage(["1", "2", "3"]));
  assert.throws(
    () => propose(lonely, "x"),
    (e: unknown) =>
      e instanceof ProposalDroppedError && e.reason === "no leader",
  );
  lonely.becomeCandidate();
  assert.throws(() => propose(lonely, "x"), ProposalDroppedError);

  const noFwd = new Network(["1", "2", "3"], {
    disableProposalForwarding: true,
  });
  noFwd.campaign("1");
  assert.throws(() => noFwd.propose("2", "x"), /forwarding is disabled/);
  assert.equal(noFwd.raft("1").raftLog.lastIndex(), 1);
});

Deno.test("entries proposed in an old term are committed by the next leader's first entry", () => {
  const nw = new Network(["1", "2", "3"]);
  nw.campaign("1");
  // 1 appends an entry that only 2 receives, then loses leadership.
  nw.drop("1", "3");
  nw.drop("2", "1"); // 1 never learns 2 has it
  nw.propose("1", "x");
  assert.equal(nw.raft("2").raftLog.lastIndex(), 2);
  assert.equal(nw.raft("2").raftLog.committed, 1);
  nw.recover();
  nw.isolate("1");
  nw.campaign("2");
  assert.equal(nw.raft("2").state, "leader");
  // The new leader's empty entry (index 3, term 2) commits index 2 too.
  assert.equal(nw.raft("2").raftLog.committed, 3);
  assert.equal(nw.storage.get("3")!.entries(2, 3)[0].data, "x");
});

Deno.test("leader completeness: a node missing committed entries cannot be elected", () => {
  const nw = new Network(["1", "2", "3"]);
  nw.campaign("1");
  nw.drop("1", "3");
  nw.propose("1", "committed");
  assert.equal(nw.raft("1").raftLog.committed, 2);
  nw.recover();
  nw.isolate("1");
  nw.campaign("3");
  assert.notEqual(nw.raft("3").state, "leader");
  nw.campaign("2");
  assert.equal(nw.raft("2").state, "leader");
});

Deno.test("entries are copied, not aliased: a duplicated proposal message cannot rewrite the log", () => {
  const r = leaderOf(["1"]);
  const ents: Entry[] = [entry(0, 0, "a")];
  const m = msg("prop", "2", "1", { entries: ents });
  r.step(m);
  r.step(m);
  assert.deepEqual(ents[0], entry(0, 0, "a"));
  assert.deepEqual(logTerms(r), [[1, 1], [2, 1], [3, 1]]);
  stabilize(r, r.raftLog.storage as TestStorage);
  assert.deepEqual(entsWithTerms(1, 1, 1).map((e) => e.index), [1, 2, 3]);
});

Deno.test("an acknowledgement beyond the leader's log is ignored", () => {
  const r = leaderOf(["1", "2", "3"]);
  r.step(msg("appResp", "2", "1", { term: 1, index: 99 }));
  const pr = r.prs.progress.get("2")!;
  assert.equal(pr.match, 0);
  assert.equal(r.raftLog.committed, 0);
  r.step(msg("appResp", "2", "1", { term: 1, index: 1 }));
  assert.equal(r.raftLog.committed, 1);
});
