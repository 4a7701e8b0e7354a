// Snapshots and compaction: sending a snapshot to a follower whose entries
// are compacted, reportSnapshot, restoring on the follower, restart.

import assert from "node:assert/strict";
import { SnapshotTemporarilyUnavailableError } from "../../server/raft/errors.ts";
import { Raft } from "../../server/raft/raft.ts";
import { seededRandom } from "../../server/raft/rand.ts";
import { MemoryStorage } from "../../server/raft/storage.ts";
import type { Snapshot } from "../../server/raft/types.ts";
import {
  msg,
  Network,
  newRaft,
  readMessages,
  stabilize,
  storageWithLog,
  TestStorage,
} from "./helpers.ts";

function snap(index: number, term: number, voters = ["1", "2"]): Snapshot {
  return {
    metadata: { index, term, confState: { voters, learners: [] } },
    data: `state@${index}`,
  };
}

/** A leader whose storage was compacted at index 11 (snapshot term 11). */
function compactedLeader(): { r: Raft; s: MemoryStorage } {
  const s = new MemoryStorage();
  s.applySnapshot(snap(11, 11));
  s.setHardState({ term: 11, vote: "", commit: 11 });
  const r = newRaft("1", 10, 1, s);
  r.becomeCandidate();
  r.becomeLeader();
  stabilize(r, s);
  readMessages(r);
  return { r, s };
}

Deno.test("a follower whose next entry is compacted gets the snapshot", () => {
  const { r } = compactedLeader();
  const pr = r.prs.progress.get("2")!;
  pr.recentActive = true;
  r.step(
    msg("appResp", "2", "1", {
      term: r.term,
      index: 11,
      reject: true,
      rejectHint: 0,
      logTerm: 0,
    }),
  );
  const [m] = readMessages(r);
  assert.equal(m.type, "snap");
  assert.equal(m.snapshot!.metadata.index, 11);
  assert.equal(pr.state, "snapshot");
  assert.equal(pr.pendingSnapshot, 11);
  assert.equal(pr.isPaused(), true);
});

Deno.test("no snapshot is sent to a follower that was not recently active", () => {
  const { r } = compactedLeader();
  r.prs.progress.get("2")!.recentActive = false;
  r.step(
    msg("appResp", "2", "1", {
      term: r.term,
      index: 11,
      reject: true,
      rejectHint: 0,
      logTerm: 0,
    }),
  );
  // The appResp itself marks it active, so the snapshot goes out.
  assert.equal(readMessages(r)[0].type, "snap");
  r.prs.progress.get("2")!.becomeProbe();
  r.prs.progress.get("2")!.recentActive = false;
  r.step(msg("beat", "1", "1"));
  assert.ok(readMessages(r).every((m) => m.type === "heartbeat"));
});

Deno.test("reportSnapshot: finish resumes probing after the snapshot, failure from match+1", () => {
  for (const [reject, wantNext] of [[false, 12], [true, 1]] as const) {
    const { r } = compactedLeader();
    const pr = r.prs.progress.get("2")!;
    pr.recentActive = true;
    pr.next = 1;
    r.step(
      msg("appResp", "2", "1", {
        term: r.term,
        index: 0,
        reject: true,
        rejectHint: 0,
        logTerm: 0,
      }),
    );
    readMessages(r);
    assert.equal(pr.state, "snapshot");
    r.step(msg("snapStatus", "2", "1", { reject }));
    assert.equal(pr.state, "probe");
    assert.equal(pr.next, wantNext);
    assert.equal(
      pr.probeSent,
      true,
      "waits for the follower before the next probe",
    );
  }
});

Deno.test("an append response past the snapshot takes the follower out of snapshot state", () => {
  const { r } = compactedLeader();
  const pr = r.prs.progress.get("2")!;
  pr.becomeSnapshot(11);
  r.step(msg("appResp", "2", "1", { term: r.term, index: 11 }));
  assert.equal(pr.state, "replicate");
  assert.equal(pr.match, 11);
});

Deno.test("a follower restores a snapshot: log, commit and configuration come from it", () => {
  const s = new TestStorage(["1", "2"]);
  const r = newRaft("2", 10, 1, s);
  const sn = snap(11, 11, ["1", "2", "3"]);
  r.step(msg("snap", "1", "2", { term: 2, snapshot: sn }));
  assert.equal(r.raftLog.lastIndex(), 11);
  assert.equal(r.raftLog.committed, 11);
  assert.equal(r.raftLog.term(11), 11);
  assert.deepEqual(r.prs.confState().voters, ["1", "2", "3"]);
  assert.deepEqual(readMessages(r).map((m) => [m.type, m.index]), [[
    "appResp",
    11,
  ]]);
  // Not promotable until the snapshot is persisted.
  assert.equal(r.promotable(), false);
  assert.equal(r.raftLog.hasNextCommittedEnts(), false);
  stabilize(r, s);
  assert.equal(r.promotable(), true);
  assert.equal(s.snapshot().metadata.index, 11);
  assert.equal(r.raftLog.applied, 11);
});

Deno.test("a follower ignores a snapshot older than its commit index", () => {
  const s = storageWithLog(["1", "2"], [1, 1, 1]);
  s.setHardState({ term: 1, vote: "", commit: 3 });
  const r = newRaft("2", 10, 1, s);
  r.step(msg("snap", "1", "2", { term: 1, snapshot: snap(2, 1) }));
  assert.equal(r.raftLog.lastIndex(), 3);
  assert.deepEqual(readMessages(r).map((m) => [m.type, m.index]), [[
    "appResp",
    3,
  ]]);
});

Deno.test("a follower that already holds the snapshot's last entry only fast-forwards its commit", () => {
  const s = storageWithLog(["1", "2"], [1, 1, 1, 1]);
  s.setHardState({ term: 1, vote: "", commit: 1 });
  const r = newRaft("2", 10, 1, s);
  r.step(msg("snap", "1", "2", { term: 1, snapshot: snap(3, 1) }));
  assert.equal(r.raftLog.committed, 3);
  assert.equal(r.raftLog.lastIndex(), 4, "entries after the snapshot are kept");
  assert.equal(r.raftLog.hasPendingSnapshot(), false);
});

Deno.test("a snapshot whose configuration does not contain the receiver is ignored", () => {
  const r = newRaft("9", 10, 1, new MemoryStorage());
  r.step(
    msg("snap", "1", "9", { term: 1, snapshot: snap(11, 11, ["1", "2"]) }),
  );
  assert.equal(r.raftLog.lastIndex(), 0);
});

Deno.test("compacted cluster: a lagging follower catches up through a snapshot end to end", () => {
  const nw = new Network(["1", "2", "3"]);
  nw.campaign("1");
  nw.isolate("3");
  for (let i = 0; i < 10; i++) nw.propose("1", `v${i}`);
  const l = nw.raft("1");
  const ls = nw.storage.get("1")!;
  ls.createSnapshot(l.raftLog.applied, { voters: ["1", "2", "3"] }, "kv-state");
  ls.compact(l.raftLog.applied);
  nw.recover();
  nw.tick("1", 3);
  // Application side: report the snapshot delivered.
  const s3 = nw.storage.get("3")!;
  assert.equal(s3.snapshot().data, "kv-state");
  l.step(msg("snapStatus", "3", "1", { reject: false }));
  nw.tick("1", 3);
  assert.equal(nw.raft("3").raftLog.lastIndex(), l.raftLog.lastIndex());
  assert.equal(nw.raft("3").raftLog.committed, l.raftLog.committed);
});

Deno.test("restart from a snapshot plus later entries restores everything", () => {
  const s = new MemoryStorage();
  s.applySnapshot(snap(5, 2, ["1", "2", "3"]));
  s.append([{ term: 2, index: 6, type: "normal", data: "a" }, {
    term: 3,
    index: 7,
    type: "normal",
    data: "b",
  }]);
  s.setHardState({ term: 3, vote: "2", commit: 6 });
  const r = new Raft({
    id: "1",
    electionTick: 10,
    heartbeatTick: 1,
    storage: s,
    random: seededRandom(1),
    applied: 5,
  });
  assert.deepEqual(r.hardState(), { term: 3, vote: "2", commit: 6 });
  assert.equal(r.raftLog.firstIndex(), 6);
  assert.equal(r.raftLog.lastIndex(), 7);
  assert.equal(r.raftLog.applied, 5);
  assert.deepEqual(r.raftLog.nextCommittedEnts().map((e) => e.data), ["a"]);
  assert.deepEqual(r.prs.confState().voters, ["1", "2", "3"]);
});

Deno.test("a leader whose storage cannot produce a snapshot yet tries again later", () => {
  class Busy extends MemoryStorage {
    busy = false;
    override snapshot(): Snapshot {
      if (this.busy) throw new SnapshotTemporarilyUnavailableError();
      return super.snapshot();
    }
  }
  const s = new Busy();
  s.applySnapshot(snap(11, 11));
  s.setHardState({ term: 11, vote: "", commit: 11 });
  const r = newRaft("1", 10, 1, s);
  r.becomeCandidate();
  r.becomeLeader();
  readMessages(r);
  s.busy = true;
  const pr = r.prs.progress.get("2")!;
  r.step(
    msg("appResp", "2", "1", {
      term: r.term,
      index: 11,
      reject: true,
      rejectHint: 0,
      logTerm: 0,
    }),
  );
  assert.deepEqual(readMessages(r), []);
  assert.equal(pr.state, "probe");
  s.busy = false;
  r.step(msg("heartbeatResp", "2", "1", { term: r.term }));
  assert.deepEqual(readMessages(r).map((m) => m.type), ["snap"]);
  assert.equal(pr.state, "snapshot");
});
