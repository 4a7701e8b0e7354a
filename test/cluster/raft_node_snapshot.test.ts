// What RaftNode's storage holds of a snapshot: the metadata raft needs, not
// the data (the whole store, megabytes at scale), which is on disk and which
// raft gets fresh from the state machine when a follower needs one.

import assert from "node:assert/strict";
import { RaftNode } from "../../server/cluster/raft_node.ts";
import type { Wal } from "../../server/storage/mod.ts";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const wal = { syncOnLoop: () => false, append: async () => {}, saveSnapshot: async () => {} } as unknown as Wal;

Deno.test("raft node: the stored snapshot keeps its metadata, not its data (raft asks the state machine for a fresh one)", () => {
  const confState = { voters: ["a", "b", "c"], learners: [] };
  const node = new RaftNode({
    id: "b",
    tickMs: 100,
    electionTick: 10,
    wal,
    recovered: {
      snapshot: { index: 7, term: 2, meta: JSON.stringify({ confState }), data: "the whole store" },
      hardState: { term: 2, vote: "", commit: 7 },
      entries: [],
    } as never,
    logger: quiet as never,
    hooks: { send() {}, apply() {}, restore() {}, onSoftState() {}, onReadStates() {}, onFatal() {} },
  });
  const stored = node.storage.getSnapshotUnchecked();
  assert.equal(stored.metadata.index, 7);
  assert.equal(stored.metadata.term, 2);
  assert.deepEqual(stored.metadata.confState.voters, ["a", "b", "c"]);
  assert.equal(stored.data, "", "the recovered image is not held");
  assert.equal(node.rn.status().hardState.commit, 7);

  // A snapshot made later: the caller gets its data, the storage keeps none.
  node.storage.append([{ term: 2, index: 8, type: "normal", data: "x" }]);
  const made = node.storage.createSnapshot(8, confState, "the store at 8");
  assert.equal(made.data, "the store at 8");
  assert.equal(node.storage.getSnapshotUnchecked().metadata.index, 8);
  assert.equal(node.storage.getSnapshotUnchecked().data, "");

  // What raft sends comes from the state machine.
  node.setSnapshotSource(() => ({ metadata: node.storage.getSnapshotUnchecked().metadata, data: "fresh" }));
  assert.equal(node.storage.snapshot().data, "fresh");
});
