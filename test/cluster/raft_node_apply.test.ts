// When RaftNode hands committed entries to the state machine: those already
// durable here are applied while the same Ready's new entries are still being
// written (a commit learnt during one write must not wait for the next one),
// and never one that is not yet durable here.

import assert from "node:assert/strict";
import {
  RaftNode,
  type RaftNodeHooks,
} from "../../server/cluster/raft_node.ts";
import type { Entry, Message } from "../../server/raft/mod.ts";
import type { Wal } from "../../server/storage/mod.ts";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const settle = () => new Promise((r) => setTimeout(r, 0));

/** A WAL whose appends finish only when the test says so. */
function gatedWal() {
  const pending: Array<{ entries: Entry[]; done: () => void }> = [];
  const wal = {
    syncOnLoop: () => false,
    append(entries: Entry[]) {
      return new Promise<void>((done) => pending.push({ entries, done }));
    },
    async saveSnapshot() {},
  };
  return { wal: wal as unknown as Wal, pending };
}

/** One of members a, b, c, with the given send and apply hooks. */
function memberOf(
  id: string,
  wal: Wal,
  hooks: Pick<RaftNodeHooks, "send" | "apply">,
): RaftNode {
  return new RaftNode({
    id,
    peers: ["a", "b", "c"],
    tickMs: 100,
    electionTick: 10,
    wal,
    logger: quiet as never,
    hooks: {
      ...hooks,
      restore() {},
      onSoftState() {},
      onReadStates() {},
      onFatal: (err) => assert.fail(err),
    },
  });
}

/** Stops the node, finishing the write of its last commit index if it makes one. */
async function stopNode(
  node: RaftNode,
  pending: Array<{ done: () => void }>,
): Promise<void> {
  const stopped = node.stop();
  await new Promise((r) => setTimeout(r, 10));
  while (pending.length > 0) pending.shift()!.done();
  await stopped;
}

const entry = (index: number): Entry => ({
  term: 1,
  index,
  type: "normal",
  data: `e${index}`,
});
const append = (
  prevIndex: number,
  indexes: number[],
  commit: number,
): Message => ({
  type: "app",
  from: "a",
  to: "b",
  term: 1,
  logTerm: 1,
  index: prevIndex,
  entries: indexes.map(entry),
  commit,
});

Deno.test("raft node: a follower applies committed entries already on its disk while it writes new ones", async () => {
  const { wal, pending } = gatedWal();
  const applied: number[] = [];
  const acks: number[] = [];
  const node = memberOf("b", wal, {
    send: (msgs) =>
      msgs.forEach((m) =>
        m.type === "appResp" && !m.reject && acks.push(m.index ?? 0)
      ),
    apply: (ents) => applied.push(...ents.map((e) => e.index)),
  });

  // The founding log (three addNode entries, committed) is written and applied first.
  node.kick();
  await settle();
  assert.deepEqual(pending.map((p) => p.entries.length), [3]);
  pending.shift()!.done();
  await settle();
  assert.deepEqual(applied, [1, 2, 3]);

  node.step(append(3, [4, 5], 3));
  await settle();
  assert.deepEqual(pending.map((p) => p.entries.map((e) => e.index)), [[4, 5]]);
  pending.shift()!.done();
  await settle();
  assert.deepEqual(acks, [5], "acknowledged once durable");
  assert.deepEqual(applied, [1, 2, 3]);

  // Entries 4–5 commit while entry 6 is being written: they are applied now.
  node.step(append(5, [6], 5));
  await settle();
  assert.deepEqual(pending.map((p) => p.entries.map((e) => e.index)), [[6]]);
  assert.deepEqual(
    applied,
    [1, 2, 3, 4, 5],
    "durable committed entries wait for no write",
  );

  // Entry 7 arrives committed (with 6) while 6 is still being written.
  node.step(append(6, [7], 7));
  await settle();
  assert.deepEqual(applied, [1, 2, 3, 4, 5], "6 is not durable yet");
  pending.shift()!.done();
  await settle();
  assert.deepEqual(pending.map((p) => p.entries.map((e) => e.index)), [[7]]);
  assert.deepEqual(applied, [1, 2, 3, 4, 5, 6], "6 is durable now; 7 is not");
  pending.shift()!.done();
  await settle();
  assert.deepEqual(
    applied,
    [1, 2, 3, 4, 5, 6, 7],
    "each entry applied once, in order",
  );
  await node.stop();
});

Deno.test("raft node: a leader applies what its followers' acks commit while its next write is in flight", async () => {
  const { wal, pending } = gatedWal();
  const applied: number[] = [];
  const sent: Message[] = [];
  const node = memberOf("a", wal, {
    send: (msgs) => sent.push(...msgs),
    apply: (ents) => applied.push(...ents.map((e) => e.index)),
  });
  /** Finishes every write asked for so far, one at a time, as the node asks. */
  const drain = async () => {
    while (pending.length > 0) {
      pending.shift()!.done();
      await settle();
    }
  };

  node.kick();
  await settle();
  await drain();
  assert.deepEqual(applied, [1, 2, 3]);

  // Elected with b's votes (pre-vote, then vote); the new term's empty entry is 4.
  node.campaign();
  await settle();
  await drain();
  node.step({ type: "preVoteResp", from: "b", to: "a", term: 2 });
  await settle();
  await drain();
  node.step({ type: "voteResp", from: "b", to: "a", term: 2 });
  await settle();
  assert.equal(node.rn.raft.state, "leader");
  assert.deepEqual(pending.map((p) => p.entries.map((e) => e.index)), [[4]]);
  await drain();

  // Entry 5 is proposed and its write hangs; b's ack of 4 commits 4.
  node.propose("x");
  await settle();
  assert.deepEqual(pending.map((p) => p.entries.map((e) => e.index)), [[5]]);
  node.step({ type: "appResp", from: "b", to: "a", term: 2, index: 4 });
  assert.deepEqual(
    applied,
    [1, 2, 3, 4],
    "applied at the ack, not after the write in flight",
  );

  // b acks 5 too, before a's own write of 5 is done: 5 waits for a's disk.
  node.step({ type: "appResp", from: "b", to: "a", term: 2, index: 5 });
  await settle();
  assert.deepEqual(applied, [1, 2, 3, 4]);
  await drain();
  assert.deepEqual(
    applied,
    [1, 2, 3, 4, 5],
    "each entry applied once, in order",
  );
  await stopNode(node, pending);
});

for (const how of ["with the append", "in a later heartbeat"]) {
  Deno.test(`raft node: entries a new leader replaced are never applied, though still on disk while the replacement is written (commit ${how})`, async () => {
    const { wal, pending } = gatedWal();
    const applied: Entry[] = [];
    const node = memberOf("b", wal, { send() {}, apply: (ents) => applied.push(...ents) });
    const finishWrite = async () => {
      pending.shift()!.done();
      await settle();
    };
    node.kick();
    await settle();
    await finishWrite();
    // From a (term 1): 4 and 5, not committed, written here.
    node.step(append(3, [4, 5], 3));
    await settle();
    await finishWrite();
    assert.deepEqual(applied.map((e) => e.index), [1, 2, 3]);

    // c leads term 2 and replaces them with 4', 5', 6', committed up to 6.
    // While those are written, the disk still holds the old 4 and 5.
    const replaced = [4, 5, 6].map((index): Entry => ({
      term: 2,
      index,
      type: "normal",
      data: `new${index}`,
    }));
    const early = how === "with the append";
    node.step({
      type: "app",
      from: "c",
      to: "b",
      term: 2,
      logTerm: 1,
      index: 3,
      entries: replaced,
      commit: early ? 6 : 3,
    });
    await settle();
    assert.deepEqual(pending.map((p) => p.entries.map((e) => e.data)), [[
      "new4",
      "new5",
      "new6",
    ]]);
    if (!early) {
      node.step({ type: "heartbeat", from: "c", to: "b", term: 2, commit: 6 });
    }
    await settle();
    assert.deepEqual(
      applied.map((e) => e.index),
      [1, 2, 3],
      "nothing of the replacement is durable yet",
    );
    while (pending.length > 0) await finishWrite();
    assert.deepEqual(applied.slice(3).map((e) => e.data), [
      "new4",
      "new5",
      "new6",
    ]);
    await stopNode(node, pending);
  });
}
