// RawNode: bootstrap, the Ready/advance contract, restart from storage,
// input validation and errors, status.

import assert from "node:assert/strict";
import {
  decodeConfChange,
  InvalidMessageError,
  MemoryStorage,
  type Message,
  ProposalDroppedError,
  RaftInvariantError,
  RawNode,
  type Ready,
  seededRandom,
  StepLocalMessageError,
  StepPeerNotFoundError,
} from "../../server/raft/mod.ts";

function node(
  id: string,
  storage: MemoryStorage,
  peers?: string[],
  extra: Partial<ConstructorParameters<typeof RawNode>[0]> = {},
) {
  return new RawNode({
    id,
    peers,
    electionTick: 10,
    heartbeatTick: 1,
    storage,
    random: seededRandom(42),
    ...extra,
  });
}

/** Persists, then applies (calling applyConfChange for conf entries), then advances. */
function handle(rn: RawNode, s: MemoryStorage, rd: Ready): void {
  if (rd.snapshot) s.applySnapshot(rd.snapshot);
  s.append(rd.entries);
  if (rd.hardState) s.setHardState(rd.hardState);
  for (const e of rd.committedEntries) {
    if (e.type === "confChange") rn.applyConfChange(decodeConfChange(e.data));
  }
  rn.advance(rd);
}

Deno.test("bootstrap: the first Ready persists the founding conf changes, committed at term 1", () => {
  const s = new MemoryStorage();
  const rn = node("b", s, ["c", "a", "b", "a"]);
  assert.ok(rn.hasReady());
  const rd = rn.ready();
  assert.deepEqual(rd.hardState, { term: 1, vote: "", commit: 3 });
  assert.deepEqual(
    rd.entries.map((
      e,
    ) => [e.index, e.term, e.type, decodeConfChange(e.data).nodeId]),
    [
      [1, 1, "confChange", "a"],
      [2, 1, "confChange", "b"],
      [3, 1, "confChange", "c"],
    ],
  );
  assert.deepEqual(rd.committedEntries, rd.entries);
  assert.equal(rd.mustSync, true);
  assert.deepEqual(rd.messages, []);
  handle(rn, s, rd);
  assert.equal(rn.hasReady(), false);
  assert.deepEqual(rn.status().config, {
    voters: ["a", "b", "c"],
    learners: [],
  });
  assert.equal(rn.status().applied, 3);
});

Deno.test("single-node cluster: campaign, propose, commit and apply through Ready", () => {
  const s = new MemoryStorage();
  const rn = node("a", s, ["a"]);
  handle(rn, s, rn.ready());
  rn.campaign();
  let rd = rn.ready();
  assert.deepEqual(rd.softState, { leader: "a", state: "leader" });
  assert.equal(rd.hardState!.term, 2);
  handle(rn, s, rd);
  rn.propose("hello");
  rd = rn.ready();
  assert.deepEqual(rd.entries.map((e) => e.data), ["hello"]);
  assert.deepEqual(rd.committedEntries.map((e) => e.data), ["hello"]);
  assert.equal(rd.softState, undefined, "soft state only when it changed");
  handle(rn, s, rd);
  assert.equal(rn.hasReady(), false);
  assert.equal(rn.status().applied, 3);
});

Deno.test("ready() twice without advance() is refused; advance() without ready() too", () => {
  const s = new MemoryStorage();
  const rn = node("a", s, ["a"]);
  const rd = rn.ready();
  assert.throws(() => rn.ready(), RaftInvariantError);
  rn.advance(rd);
  assert.throws(() => rn.advance(rd), RaftInvariantError);
});

Deno.test("inputs between ready() and advance() show up in the next Ready, nothing twice", () => {
  const s = new MemoryStorage();
  const rn = node("a", s, ["a"]);
  handle(rn, s, rn.ready());
  rn.campaign();
  handle(rn, s, rn.ready());
  rn.propose("1");
  const rd1 = rn.ready();
  rn.propose("2");
  s.append(rd1.entries);
  rn.advance(rd1);
  const rd2 = rn.ready();
  assert.deepEqual(rd2.entries.map((e) => e.data), ["2"]);
  assert.deepEqual(rd2.committedEntries.map((e) => e.data), ["2"]);
  handle(rn, s, rd2);
});

Deno.test("mustSync: entries or a term/vote change need fsync, a commit change alone does not", () => {
  const s = new MemoryStorage();
  const a = node("a", s, ["a", "b"]);
  handle(a, s, a.ready());
  a.campaign();
  const rd = a.ready();
  assert.equal(rd.mustSync, true); // term and vote changed
  handle(a, s, rd);
  // A heartbeat that advances only the commit index.
  const fs = new MemoryStorage();
  const b = node("b", fs, ["a", "b"]);
  handle(b, fs, b.ready());
  b.step({
    type: "app",
    from: "a",
    to: "b",
    term: 2,
    index: 2,
    logTerm: 1,
    commit: 2,
    entries: [{ term: 2, index: 3, type: "normal", data: "" }],
  });
  const rd2 = b.ready();
  assert.equal(rd2.mustSync, true);
  handle(b, fs, rd2);
  b.step({ type: "heartbeat", from: "a", to: "b", term: 2, commit: 3 });
  const rd3 = b.ready();
  assert.deepEqual(rd3.hardState, { term: 2, vote: "", commit: 3 });
  assert.equal(rd3.mustSync, false);
  handle(b, fs, rd3);
});

Deno.test("restart from persisted state: hard state, entries and snapshot survive; applied entries are not handed out again", () => {
  const s = new MemoryStorage();
  let rn = node("a", s, ["a"]);
  handle(rn, s, rn.ready());
  rn.campaign();
  handle(rn, s, rn.ready());
  for (const d of ["x", "y", "z"]) rn.propose(d);
  handle(rn, s, rn.ready());
  s.createSnapshot(3, rn.status().config, "snap@3");
  s.compact(3);
  // Restart: peers are ignored because storage is not empty.
  rn = node("a", s, ["a", "zz"], { applied: 3 });
  const st = rn.status();
  assert.deepEqual(st.hardState, { term: 2, vote: "a", commit: 5 });
  assert.deepEqual(st.config, { voters: ["a"], learners: [] });
  const rd = rn.ready();
  assert.deepEqual(rd.committedEntries.map((e) => e.data), ["y", "z"]);
  assert.equal(rd.hardState, undefined);
  assert.deepEqual(rd.entries, []);
  handle(rn, s, rd);
  // It can lead again and keeps appending after its old log.
  rn.campaign();
  handle(rn, s, rn.ready());
  rn.propose("after restart");
  const rd2 = rn.ready();
  assert.deepEqual(rd2.entries.map((e) => [e.index, e.term, e.data]), [[
    7,
    3,
    "after restart",
  ]]);
  handle(rn, s, rd2);
});

Deno.test("restart with a hard state older than the snapshot commits up to the snapshot", () => {
  const s = new MemoryStorage();
  s.applySnapshot({
    metadata: { index: 10, term: 2, confState: { voters: ["a"] } },
    data: "",
  });
  s.setHardState({ term: 2, vote: "a", commit: 4 });
  const rn = node("a", s, undefined, { applied: 10 });
  assert.deepEqual(rn.status().hardState, { term: 2, vote: "a", commit: 10 });
});

Deno.test("restart with a commit index beyond the stored log is refused", () => {
  const s = new MemoryStorage();
  s.append([{ term: 1, index: 1, type: "normal", data: "" }]);
  s.setHardState({ term: 1, vote: "", commit: 5 });
  assert.throws(() => node("a", s), RaftInvariantError);
});

Deno.test("step() rejects malformed, misaddressed and local messages without changing state", () => {
  const s = new MemoryStorage();
  const rn = node("a", s, ["a", "b"]);
  handle(rn, s, rn.ready());
  const before = JSON.stringify(rn.status());
  const bad: unknown[] = [
    null,
    "app",
    { type: "nope", from: "b", to: "a", term: 1 },
    { type: "app", from: "b", to: "c", term: 2, index: 3, logTerm: 1 },
    { type: "app", from: "b", to: "a", term: -1, index: 3, logTerm: 1 },
    {
      type: "app",
      from: "b",
      to: "a",
      term: 2,
      index: 3,
      logTerm: 1,
      entries: [{ term: 2, index: 5, type: "normal", data: "" }],
    },
    {
      type: "app",
      from: "b",
      to: "a",
      term: 2,
      index: 3,
      logTerm: 1,
      entries: [{ term: 3, index: 4, type: "normal", data: "" }],
    },
    {
      type: "app",
      from: "b",
      to: "a",
      term: 2,
      index: 3,
      logTerm: 1,
      entries: [{ term: 2, index: 4, type: "normal", data: 7 }],
    },
    { type: "app", from: "b", to: "a", term: 2, index: "3", logTerm: 1 },
    { type: "vote", from: "b", to: "a", term: 2 },
    { type: "snap", from: "b", to: "a", term: 2 },
    {
      type: "snap",
      from: "b",
      to: "a",
      term: 2,
      snapshot: { metadata: { index: 3, term: 1 }, data: "" },
    },
    { type: "heartbeat", from: "b", to: "a", term: 0 },
    { type: "heartbeat", from: "", to: "a", term: 2 },
    { type: "prop", from: "b", to: "a", term: 0, entries: [] },
  ];
  for (const m of bad) {
    assert.throws(
      () => rn.step(m as Message),
      InvalidMessageError,
      JSON.stringify(m),
    );
  }
  for (
    const t of [
      "hup",
      "beat",
      "unreachable",
      "snapStatus",
      "checkQuorum",
    ] as const
  ) {
    assert.throws(
      () => rn.step({ type: t, from: "b", to: "a", term: 1 }),
      StepLocalMessageError,
    );
  }
  assert.throws(
    () => rn.step({ type: "appResp", from: "zz", to: "a", term: 1, index: 1 }),
    StepPeerNotFoundError,
  );
  assert.throws(
    () => rn.step({ type: "voteResp", from: "zz", to: "a", term: 1 }),
    StepPeerNotFoundError,
  );
  assert.equal(JSON.stringify(rn.status()), before);
  assert.equal(rn.hasReady(), false);
});

Deno.test("an append that would rewrite a committed entry never changes it", () => {
  const s = new MemoryStorage();
  const rn = node("a", s, ["a", "b"]);
  handle(rn, s, rn.ready());
  // Entries 1..2 are committed (bootstrap); a forged append tries to replace index 2.
  rn.step({
    type: "app",
    from: "b",
    to: "a",
    term: 5,
    index: 1,
    logTerm: 1,
    commit: 0,
    entries: [{ term: 5, index: 2, type: "normal", data: "evil" }],
  });
  const rd = rn.ready();
  assert.deepEqual(rd.entries, []);
  assert.deepEqual(rd.messages.map((m) => [m.type, m.index, m.reject]), [[
    "appResp",
    2,
    undefined,
  ]]);
  handle(rn, s, rd);
  assert.equal(rn.raft.raftLog.slice(2, 3, Infinity)[0].type, "confChange");
  // Rewriting at the commit index itself is a broken leader: refused with an error, before any change.
  rn.raft.raftLog.committed = 2;
  assert.throws(
    () =>
      rn.step({
        type: "app",
        from: "b",
        to: "a",
        term: 5,
        index: 2,
        logTerm: 9,
        commit: 0,
        entries: [],
      }),
    InvalidMessageError,
  );
  assert.equal(rn.raft.raftLog.lastIndex(), 2);
});

Deno.test("propose, readIndex and proposeConfChange report why they cannot proceed", () => {
  const s = new MemoryStorage();
  const rn = node("a", s, ["a", "b", "c"]);
  handle(rn, s, rn.ready());
  assert.throws(
    () => rn.propose("x"),
    (e: unknown) =>
      e instanceof ProposalDroppedError && e.reason === "no leader",
  );
  assert.throws(() => rn.readIndex("r"), ProposalDroppedError);
  assert.throws(
    () => rn.proposeConfChange({ type: "addNode", nodeId: "d", context: "" }),
    ProposalDroppedError,
  );
  assert.throws(
    () =>
      rn.proposeConfChange({
        type: "bogus" as "addNode",
        nodeId: "d",
        context: "",
      }),
    InvalidMessageError,
  );
  assert.throws(
    () => rn.proposeConfChange({ type: "addNode", nodeId: "", context: "" }),
    InvalidMessageError,
  );
});

Deno.test("a forwarded proposal that cannot be placed is dropped quietly at the receiver", () => {
  const s = new MemoryStorage();
  const rn = node("a", s, ["a", "b"]);
  handle(rn, s, rn.ready());
  rn.step({
    type: "prop",
    from: "b",
    to: "a",
    term: 0,
    entries: [{ term: 0, index: 0, type: "normal", data: "x" }],
  });
  assert.equal(rn.hasReady(), false);
});

Deno.test("messages are plain JSON: a cluster works when every message goes through JSON", () => {
  const ids = ["a", "b", "c"];
  const stores = new Map(ids.map((id) => [id, new MemoryStorage()]));
  const nodes = new Map(
    ids.map((
      id,
    ) => [
      id,
      node(id, stores.get(id)!, ids, {
        random: seededRandom(id.charCodeAt(0)),
      }),
    ]),
  );
  const applied = new Map<string, string[]>(ids.map((id) => [id, []]));
  const reads = new Map<string, Array<{ index: number; requestCtx: string }>>(
    ids.map((id) => [id, []]),
  );
  let wire: string[] = [];
  const pump = () => {
    for (let round = 0; round < 50; round++) {
      for (const id of ids) {
        const rn = nodes.get(id)!;
        while (rn.hasReady()) {
          const rd = rn.ready();
          for (const m of rd.messages) wire.push(JSON.stringify(m));
          for (const e of rd.committedEntries) {
            if (e.type === "normal" && e.data) applied.get(id)!.push(e.data);
          }
          reads.get(id)!.push(...rd.readStates);
          handle(rn, stores.get(id)!, rd);
        }
      }
      if (wire.length === 0) return;
      const batch = wire;
      wire = [];
      for (const w of batch) {
        const m = JSON.parse(w) as Message;
        nodes.get(m.to)!.step(m);
      }
    }
  };
  for (let t = 0; t < 40; t++) {
    for (const rn of nodes.values()) rn.tick();
    pump();
  }
  const leaders = ids.filter((id) =>
    nodes.get(id)!.status().softState.state === "leader"
  );
  assert.equal(leaders.length, 1);
  nodes.get("a")!.propose("p1");
  nodes.get("b")!.propose("p2");
  pump();
  for (let t = 0; t < 3; t++) {
    for (const rn of nodes.values()) rn.tick();
    pump();
  }
  for (const id of ids) assert.deepEqual(applied.get(id)!.sort(), ["p1", "p2"]);
  const st = nodes.get(leaders[0])!.status();
  assert.ok(st.progress);
  for (const id of ids) {
    assert.equal(st.progress![id].match, st.hardState.commit);
  }
  // readIndex through RawNode on a follower: forwarded, confirmed, answered with the commit index.
  const follower = ids.find((id) => id !== leaders[0])!;
  nodes.get(follower)!.readIndex("rq-1");
  pump();
  assert.deepEqual(reads.get(follower), [{
    index: st.hardState.commit,
    requestCtx: "rq-1",
  }]);
});

Deno.test("RawNode read index surfaces in Ready.readStates", () => {
  const s = new MemoryStorage();
  const rn = node("a", s, ["a"]);
  handle(rn, s, rn.ready());
  rn.campaign();
  handle(rn, s, rn.ready());
  rn.readIndex("solo-read");
  const rd = rn.ready();
  assert.deepEqual(rd.readStates, [{ index: 2, requestCtx: "solo-read" }]);
  handle(rn, s, rd);
  assert.equal(rn.hasReady(), false);
});

Deno.test("transferLeadership, reportUnreachable and reportSnapshot drive the leader", () => {
  const s = new MemoryStorage();
  const rn = node("a", s, ["a", "b"]);
  handle(rn, s, rn.ready());
  rn.campaign();
  let rd = rn.ready();
  handle(rn, s, rd);
  rn.step({ type: "voteResp", from: "b", to: "a", term: 2 });
  rd = rn.ready();
  assert.equal(rd.softState?.state, "leader");
  handle(rn, s, rd);
  rn.step({ type: "appResp", from: "b", to: "a", term: 2, index: 3 });
  handle(rn, s, rn.ready());
  assert.equal(rn.status().progress!.b.state, "replicate");
  rn.reportUnreachable("b");
  assert.equal(rn.status().progress!.b.state, "probe");
  rn.raft.prs.progress.get("b")!.becomeSnapshot(3);
  rn.reportSnapshot("b", "finish");
  assert.equal(rn.status().progress!.b.state, "probe");
  rn.transferLeadership("b");
  rd = rn.ready();
  assert.deepEqual(rd.messages.map((m) => [m.type, m.to]), [[
    "timeoutNow",
    "b",
  ]]);
  handle(rn, s, rd);
});
