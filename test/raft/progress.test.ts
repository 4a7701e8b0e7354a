// Flow control and quorum arithmetic: Inflights, Progress state changes,
// ProgressTracker commit index, vote tallies and check-quorum.

import assert from "node:assert/strict";
import { Inflights } from "../../server/raft/inflights.ts";
import { Progress } from "../../server/raft/progress.ts";
import { ProgressTracker } from "../../server/raft/tracker.ts";

Deno.test("inflights: add until full, free by index, wrap around", () => {
  const inf = new Inflights(4);
  for (const i of [1, 2, 3, 4]) inf.add(i);
  assert.ok(inf.full());
  assert.throws(() => inf.add(5));
  inf.freeLE(0);
  assert.equal(inf.count, 4);
  inf.freeLE(2);
  assert.equal(inf.count, 2);
  inf.add(5);
  inf.add(6); // wraps
  assert.ok(inf.full());
  inf.freeFirstOne();
  assert.equal(inf.count, 3);
  inf.freeLE(5);
  assert.equal(inf.count, 1);
  inf.freeLE(100);
  assert.equal(inf.count, 0);
  inf.add(7);
  inf.reset();
  assert.equal(inf.count, 0);
});

Deno.test("progress: probe pauses after one message; replicate pauses when inflights are full; snapshot always", () => {
  const p = new Progress(5, 2, false);
  assert.equal(p.isPaused(), false);
  p.probeSent = true;
  assert.equal(p.isPaused(), true);
  assert.ok(p.maybeUpdate(4)); // an ack unpauses
  assert.equal(p.isPaused(), false);
  p.becomeReplicate();
  assert.equal(p.next, 5);
  p.inflights.add(5);
  p.inflights.add(6);
  assert.equal(p.isPaused(), true);
  p.becomeSnapshot(10);
  assert.equal(p.isPaused(), true);
  assert.equal(p.pendingSnapshot, 10);
  p.becomeProbe();
  assert.equal(p.next, 11); // resume after the snapshot
  assert.equal(p.pendingSnapshot, 0);
});

Deno.test("progress: maybeUpdate only moves forward", () => {
  const p = new Progress(6, 8, false);
  p.match = 3;
  assert.equal(p.maybeUpdate(2), false);
  assert.equal(p.match, 3);
  assert.equal(p.next, 6);
  assert.equal(p.maybeUpdate(7), true);
  assert.equal(p.match, 7);
  assert.equal(p.next, 8);
});

Deno.test("progress: maybeDecrTo ignores stale rejections and uses the hint", () => {
  const cases: Array<{
    state: "probe" | "replicate";
    match: number;
    next: number;
    rejected: number;
    hint: number;
    ok: boolean;
    wantNext: number;
  }> = [
    // replicate: stale if rejected <= match; otherwise back to match+1
    {
      state: "replicate",
      match: 5,
      next: 10,
      rejected: 5,
      hint: 5,
      ok: false,
      wantNext: 10,
    },
    {
      state: "replicate",
      match: 5,
      next: 10,
      rejected: 4,
      hint: 4,
      ok: false,
      wantNext: 10,
    },
    {
      state: "replicate",
      match: 5,
      next: 10,
      rejected: 9,
      hint: 9,
      ok: true,
      wantNext: 6,
    },
    // probe: only the rejection of next-1 counts
    {
      state: "probe",
      match: 0,
      next: 10,
      rejected: 5,
      hint: 5,
      ok: false,
      wantNext: 10,
    },
    {
      state: "probe",
      match: 0,
      next: 10,
      rejected: 9,
      hint: 9,
      ok: true,
      wantNext: 9,
    },
    {
      state: "probe",
      match: 0,
      next: 10,
      rejected: 9,
      hint: 4,
      ok: true,
      wantNext: 5,
    },
    {
      state: "probe",
      match: 0,
      next: 2,
      rejected: 1,
      hint: 0,
      ok: true,
      wantNext: 1,
    },
    {
      state: "probe",
      match: 0,
      next: 1,
      rejected: 0,
      hint: 0,
      ok: true,
      wantNext: 1,
    }, // never below 1
  ];
  for (const [i, c] of cases.entries()) {
    const p = new Progress(c.next, 8, false);
    p.match = c.match;
    if (c.state === "replicate") {
      p.becomeReplicate();
      p.next = c.next;
    }
    p.probeSent = true;
    assert.equal(p.maybeDecrTo(c.rejected, c.hint), c.ok, `case ${i}`);
    assert.equal(p.next, c.wantNext, `case ${i} next`);
    if (c.ok && c.state === "probe") assert.equal(p.probeSent, false);
  }
});

function tracker(
  voters: string[],
  matches: number[],
  learners: string[] = [],
): ProgressTracker {
  const t = new ProgressTracker(8);
  voters.forEach((id, i) => {
    t.addVoter(id, 1);
    t.progress.get(id)!.match = matches[i];
  });
  for (const id of learners) t.addLearner(id, 1);
  return t;
}

Deno.test("committed index is the quorum-th highest match of voters", () => {
  const cases: Array<[number[], number]> = [
    [[5], 5],
    [[5, 3], 3],
    [[5, 3, 1], 3],
    [[1, 5, 3], 3],
    [[5, 5, 3, 1], 3], // 4 voters need 3
    [[5, 5, 5, 1], 5],
    [[9, 8, 7, 6, 5], 7],
    [[9, 1, 1, 2, 8], 2],
    [[0, 0, 0], 0],
  ];
  for (const [matches, want] of cases) {
    const ids = matches.map((_, i) => `n${i}`);
    assert.equal(
      tracker(ids, matches).committed(),
      want,
      JSON.stringify(matches),
    );
  }
  // Learners never count.
  const t = tracker(["a", "b", "c"], [9, 1, 1], ["d", "e"]);
  t.progress.get("d")!.match = 9;
  t.progress.get("e")!.match = 9;
  assert.equal(t.committed(), 1);
});

Deno.test("vote tally: won, lost, pending; only voters and first answers count", () => {
  const t = tracker(["1", "2", "3", "4", "5"], [0, 0, 0, 0, 0], ["6"]);
  t.recordVote("1", true);
  t.recordVote("6", true);
  assert.equal(t.tallyVotes().result, "pending");
  t.recordVote("2", true);
  t.recordVote("2", false); // a second answer is ignored
  assert.equal(t.tallyVotes().granted, 2);
  t.recordVote("3", false);
  t.recordVote("4", false);
  assert.equal(t.tallyVotes().result, "pending");
  t.recordVote("5", true);
  assert.equal(t.tallyVotes().result, "won");
  t.resetVotes();
  for (const id of ["2", "3", "4"]) t.recordVote(id, false);
  assert.equal(t.tallyVotes().result, "lost");
});

Deno.test("quorumActive counts self and recently active voters", () => {
  const t = tracker(["1", "2", "3"], [0, 0, 0]);
  for (const pr of t.progress.values()) pr.recentActive = false;
  assert.equal(t.quorumActive("1"), false);
  t.progress.get("3")!.recentActive = true;
  assert.equal(t.quorumActive("1"), true);
  assert.ok(t.hasQuorum(new Set(["1", "2"])));
  assert.ok(!t.hasQuorum(new Set(["1", "9"])));
});

Deno.test("tracker membership: promote learner, demote voter, remove", () => {
  const t = tracker(["1", "2"], [3, 3], ["3"]);
  assert.deepEqual(t.confState(), { voters: ["1", "2"], learners: ["3"] });
  t.addVoter("3", 10);
  assert.deepEqual(t.confState(), { voters: ["1", "2", "3"], learners: [] });
  assert.equal(t.progress.get("3")!.isLearner, false);
  t.addLearner("2", 10);
  assert.deepEqual(t.confState(), { voters: ["1", "3"], learners: ["2"] });
  t.remove("2");
  assert.deepEqual(t.confState(), { voters: ["1", "3"], learners: [] });
  assert.equal(t.progress.has("2"), false);
  assert.deepEqual(t.ids(), ["1", "3"]);
});
