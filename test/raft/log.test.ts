// The log: unstable tail + storage, conflict detection, append/truncate,
// commit and apply bookkeeping, slicing with size limits; MemoryStorage.

import assert from "node:assert/strict";
import {
  CompactedError,
  RaftInvariantError,
  SnapshotOutOfDateError,
  UnavailableError,
} from "../../server/raft/errors.ts";
import { RaftLog } from "../../server/raft/log.ts";
import { MemoryStorage } from "../../server/raft/storage.ts";
import { Unstable } from "../../server/raft/unstable.ts";
import type { Snapshot } from "../../server/raft/types.ts";
import { limitSize } from "../../server/raft/util.ts";
import { entry, entsWithTerms } from "./helpers.ts";

function snap(index: number, term: number): Snapshot {
  return { metadata: { index, term, confState: { voters: ["1"] } }, data: "" };
}

function logWith(terms: number[]): RaftLog {
  const s = new MemoryStorage();
  s.append(entsWithTerms(...terms));
  return new RaftLog(s);
}

Deno.test("findConflict returns the first index that differs or is new", () => {
  const log = new RaftLog(new MemoryStorage());
  log.append(entsWithTerms(1, 2, 3));
  const cases: Array<[Array<[number, number]>, number]> = [
    [[], 0],
    [[[1, 1], [2, 2], [3, 3]], 0],
    [[[2, 2], [3, 3]], 0],
    [[[3, 3]], 0],
    [[[1, 1], [2, 2], [3, 3], [4, 4], [5, 4]], 4], // new entries
    [[[4, 4], [5, 4]], 4],
    [[[1, 4], [2, 4]], 1], // conflicts
    [[[2, 1], [3, 4], [4, 4]], 2],
    [[[3, 1], [4, 2], [5, 4], [6, 4]], 3],
  ];
  for (const [ents, want] of cases) {
    assert.equal(
      log.findConflict(ents.map(([i, t]) => entry(i, t))),
      want,
      JSON.stringify(ents),
    );
  }
});

Deno.test("findConflictByTerm skips entries newer than the given term", () => {
  // log terms at indexes 1..7: 1 1 2 2 4 4 5
  const log = logWith([1, 1, 2, 2, 4, 4, 5]);
  const cases: Array<[number, number, number]> = [
    [7, 5, 7],
    [7, 4, 6],
    [7, 3, 4],
    [7, 2, 4],
    [7, 1, 2],
    [7, 0, 0],
    [10, 3, 10], // beyond the log: unchanged
    [4, 1, 2],
  ];
  for (const [index, term, want] of cases) {
    assert.equal(log.findConflictByTerm(index, term), want, `${index},${term}`);
  }
});

Deno.test("isUpToDate compares last term, then length (§5.4.1)", () => {
  const log = logWith([1, 2, 3]);
  const cases: Array<[number, number, boolean]> = [
    [2, 4, true], // higher term wins even if shorter
    [3, 4, true],
    [4, 4, true],
    [2, 2, false], // lower term loses even if longer
    [5, 2, false],
    [2, 3, false], // same term: longer or equal wins
    [3, 3, true],
    [4, 3, true],
  ];
  for (const [i, t, want] of cases) {
    assert.equal(log.isUpToDate(i, t), want, `${i},${t}`);
  }
});

Deno.test("maybeAppend: consistency check, truncation and commit", () => {
  const prev = [1, 2, 3];
  const cases: Array<{
    index: number;
    logTerm: number;
    committed: number;
    ents: Array<[number, number]>;
    want: number;
    wantCommit: number;
    panic?: boolean;
    wantLast?: number;
  }> = [
    // term mismatch
    {
      index: 3,
      logTerm: 2,
      committed: 3,
      ents: [[4, 4]],
      want: -1,
      wantCommit: 1,
    },
    // index beyond the log
    {
      index: 4,
      logTerm: 3,
      committed: 3,
      ents: [[5, 4]],
      want: -1,
      wantCommit: 1,
    },
    // match with the last entry
    { index: 3, logTerm: 3, committed: 3, ents: [], want: 3, wantCommit: 3 },
    { index: 3, logTerm: 3, committed: 4, ents: [], want: 3, wantCommit: 3 }, // commit at most last new
    { index: 3, logTerm: 3, committed: 2, ents: [], want: 3, wantCommit: 2 },
    { index: 3, logTerm: 3, committed: 0, ents: [], want: 3, wantCommit: 1 }, // commit never decreases
    {
      index: 3,
      logTerm: 3,
      committed: 4,
      ents: [[4, 4]],
      want: 4,
      wantCommit: 4,
      wantLast: 4,
    },
    {
      index: 3,
      logTerm: 3,
      committed: 5,
      ents: [[4, 4], [5, 4]],
      want: 5,
      wantCommit: 5,
      wantLast: 5,
    },
    // match with an entry in the middle: nothing is truncated if the rest matches
    {
      index: 1,
      logTerm: 1,
      committed: 4,
      ents: [[2, 2]],
      want: 2,
      wantCommit: 2,
      wantLast: 3,
    },
    // conflict: truncate and replace
    {
      index: 1,
      logTerm: 1,
      committed: 3,
      ents: [[2, 4]],
      want: 2,
      wantCommit: 2,
      wantLast: 2,
    },
    {
      index: 2,
      logTerm: 2,
      committed: 3,
      ents: [[3, 4], [4, 4]],
      want: 4,
      wantCommit: 3,
      wantLast: 4,
    },
    // conflict with a committed entry is a fatal error
    {
      index: 0,
      logTerm: 0,
      committed: 3,
      ents: [[1, 4]],
      want: 0,
      wantCommit: 1,
      panic: true,
    },
  ];
  for (const [i, c] of cases.entries()) {
    const log = new RaftLog(new MemoryStorage());
    log.append(entsWithTerms(...prev));
    log.committed = 1;
    const ents = c.ents.map(([idx, t]) => entry(idx, t));
    if (c.panic) {
      assert.throws(
        () => log.maybeAppend(c.index, c.logTerm, c.committed, ents),
        RaftInvariantError,
      );
      continue;
    }
    assert.equal(
      log.maybeAppend(c.index, c.logTerm, c.committed, ents),
      c.want,
      `case ${i}`,
    );
    assert.equal(log.committed, c.wantCommit, `case ${i} commit`);
    if (c.wantLast !== undefined) {
      assert.equal(log.lastIndex(), c.wantLast, `case ${i} last`);
    }
    for (const e of ents) {
      if (c.want >= 0) assert.equal(log.term(e.index), e.term);
    }
  }
});

Deno.test("append truncates conflicting unstable entries and refuses to rewrite committed ones", () => {
  const s = new MemoryStorage();
  s.append(entsWithTerms(1, 2));
  const log = new RaftLog(s);
  assert.equal(log.append([entry(3, 2)]), 3);
  assert.equal(log.append([entry(2, 3), entry(3, 3)]), 3); // shadows stored entry 2
  assert.deepEqual([log.term(1), log.term(2), log.term(3)], [1, 3, 3]);
  assert.equal(log.unstable.offset, 2);
  log.commitTo(2);
  assert.throws(() => log.append([entry(2, 4)]), RaftInvariantError);
});

Deno.test("commitTo never decreases and refuses to pass the last index", () => {
  const log = logWith([1, 2, 3]);
  log.commitTo(2);
  log.commitTo(1);
  assert.equal(log.committed, 2);
  assert.throws(() => log.commitTo(4), RaftInvariantError);
  assert.equal(log.committed, 2);
});

Deno.test("maybeCommit only commits entries of the given term", () => {
  const log = logWith([1, 1, 2, 2]);
  assert.equal(log.maybeCommit(2, 2), false); // entry 2 has term 1
  assert.equal(log.maybeCommit(4, 2), true);
  assert.equal(log.committed, 4);
  assert.equal(log.maybeCommit(3, 2), false); // never backwards
});

Deno.test("nextCommittedEnts hands out committed, unapplied entries (size-limited) and none while a snapshot is pending", () => {
  const s = new MemoryStorage();
  s.applySnapshot(snap(3, 1));
  s.append([entry(4, 1, "aa"), entry(5, 1, "bb"), entry(6, 1, "cc")]);
  const log = new RaftLog(s, 3);
  assert.equal(log.applied, 3);
  log.commitTo(5);
  assert.deepEqual(log.nextCommittedEnts().map((e) => e.index), [4]); // 2 bytes, then 4 > 3
  log.appliedTo(4);
  assert.deepEqual(log.nextCommittedEnts().map((e) => e.index), [5]);
  log.appliedTo(5);
  assert.equal(log.hasNextCommittedEnts(), false);
  log.restore(snap(10, 2));
  assert.equal(log.hasNextCommittedEnts(), false);
  assert.deepEqual(log.nextCommittedEnts(), []);
  assert.throws(() => log.appliedTo(4), RaftInvariantError);
});

Deno.test("term() distinguishes compacted and unavailable indexes", () => {
  const s = new MemoryStorage();
  s.applySnapshot(snap(5, 2));
  s.append([entry(6, 3), entry(7, 3)]);
  const log = new RaftLog(s);
  assert.equal(log.term(5), 2);
  assert.equal(log.term(7), 3);
  assert.throws(() => log.term(4), CompactedError);
  assert.throws(() => log.term(8), UnavailableError);
  assert.equal(log.termOrZero(4), 0);
  assert.equal(log.matchTerm(4, 0), false);
  assert.equal(log.firstIndex(), 6);
  assert.equal(log.committed, 5);
});

Deno.test("slice spans storage and unstable parts and respects maxSize", () => {
  const s = new MemoryStorage();
  s.applySnapshot(snap(2, 1));
  s.append([entry(3, 1, "aaaa"), entry(4, 1, "bbbb")]);
  const log = new RaftLog(s);
  log.append([entry(5, 2, "cccc"), entry(6, 2, "dddd")]);
  assert.deepEqual(log.slice(3, 7, Infinity).map((e) => e.index), [3, 4, 5, 6]);
  assert.deepEqual(log.slice(4, 6, Infinity).map((e) => e.index), [4, 5]);
  assert.deepEqual(log.slice(3, 7, 8).map((e) => e.index), [3, 4]);
  assert.deepEqual(log.slice(3, 7, 12).map((e) => e.index), [3, 4, 5]);
  assert.deepEqual(log.slice(3, 7, 0).map((e) => e.index), [3]); // at least one
  assert.deepEqual(log.slice(5, 7, 4).map((e) => e.index), [5]);
  assert.throws(() => log.slice(2, 4, Infinity), CompactedError);
  assert.throws(() => log.slice(3, 8, Infinity), RaftInvariantError);
  assert.deepEqual(log.entries(7, Infinity), []);
});

Deno.test("stableTo ignores acknowledgements of entries that were replaced since", () => {
  const u = new Unstable(1);
  u.truncateAndAppend([entry(1, 1), entry(2, 1)]);
  u.truncateAndAppend([entry(2, 2)]);
  u.stableTo(2, 1); // the persisted entry 2 had term 1: the term-2 one is still unstable
  assert.equal(u.offset, 1);
  u.stableTo(1, 1);
  assert.equal(u.offset, 2);
  assert.deepEqual(u.entries.map((e) => e.term), [2]);
  u.stableTo(2, 2);
  assert.equal(u.entries.length, 0);
  assert.equal(u.offset, 3);
});

Deno.test("unstable snapshot: restore, term lookup, stableSnapTo", () => {
  const u = new Unstable(5);
  u.restore(snap(9, 3));
  assert.equal(u.maybeFirstIndex(), 10);
  assert.equal(u.maybeLastIndex(), 9);
  assert.equal(u.maybeTerm(9), 3);
  assert.equal(u.maybeTerm(8), undefined);
  u.stableSnapTo(8);
  assert.ok(u.snapshot);
  u.stableSnapTo(9);
  assert.equal(u.snapshot, undefined);
});

Deno.test("limitSize keeps at least one entry", () => {
  const ents = [entry(1, 1, "aaa"), entry(2, 1, "bbb"), entry(3, 1, "c")];
  assert.equal(limitSize(ents, 0).length, 1);
  assert.equal(limitSize(ents, 1).length, 1);
  assert.equal(limitSize(ents, 6).length, 2);
  assert.equal(limitSize(ents, 7).length, 3);
  assert.equal(limitSize(ents, Infinity).length, 3);
});

Deno.test("MemoryStorage: append, overwrite, compact, snapshots", () => {
  const s = new MemoryStorage();
  assert.equal(s.firstIndex(), 1);
  assert.equal(s.lastIndex(), 0);
  assert.throws(() => s.entries(1, 1), UnavailableError);
  s.append(entsWithTerms(1, 1, 2, 2, 3));
  assert.equal(s.lastIndex(), 5);
  s.append([entry(4, 4), entry(5, 4)]); // overwrite the tail
  assert.deepEqual(s.entries(1, 6).map((e) => e.term), [1, 1, 2, 4, 4]);
  assert.throws(() => s.append([entry(8, 4)]), RaftInvariantError); // gap
  assert.deepEqual(s.entries(1, 6, 0).length, 1);

  const sn = s.createSnapshot(3, { voters: ["1", "2"] }, "state@3");
  assert.deepEqual(sn.metadata, {
    index: 3,
    term: 2,
    confState: { voters: ["1", "2"], learners: [] },
  });
  assert.throws(
    () => s.createSnapshot(2, undefined, ""),
    SnapshotOutOfDateError,
  );
  s.compact(3);
  assert.equal(s.firstIndex(), 4);
  assert.equal(s.term(3), 2);
  assert.throws(() => s.term(2), CompactedError);
  assert.throws(() => s.entries(3, 5), CompactedError);
  assert.throws(() => s.compact(3), CompactedError);
  assert.throws(() => s.compact(9), RaftInvariantError);
  s.append(entsWithTerms(1, 1, 2, 9)); // entries 1..3 are compacted: only 4 is taken
  assert.deepEqual(s.entries(4, 5).map((e) => e.term), [9]);
  assert.equal(s.lastIndex(), 4);

  s.applySnapshot(snap(20, 7));
  assert.equal(s.firstIndex(), 21);
  assert.equal(s.lastIndex(), 20);
  assert.equal(s.term(20), 7);
  assert.throws(() => s.applySnapshot(snap(20, 7)), SnapshotOutOfDateError);
  assert.deepEqual(s.initialState().confState, { voters: ["1"] });
});
