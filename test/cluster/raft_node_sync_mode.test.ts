// Where RaftNode has its WAL fdatasync (raft_node.ts): on the loop's thread
// only for a lone voter serving one client; a member with peers keeps the
// loop free for their acks and forwarded proposals (a follower's load once
// halved when its leader synced on the loop), whatever its clients do.

import assert from "node:assert/strict";
import { RaftNode } from "../../server/cluster/raft_node.ts";
import { Wal } from "../../server/storage/mod.ts";
import { requestEnded, requestStarted, resetClientLoad } from "../../server/runtime/client_load.ts";
import { withTempDir } from "../storage/helpers.ts";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const hooks = { send() {}, apply() {}, restore() {}, onSoftState() {}, onReadStates() {}, onFatal() {} };

async function syncOnLoop(peers: string[]): Promise<boolean> {
  let onLoop: boolean | undefined;
  await withTempDir(async (dir) => {
    const wal = await Wal.create(dir, "m");
    try {
      new RaftNode({ id: "a", peers, tickMs: 100, electionTick: 10, wal, logger: quiet as never, hooks });
      onLoop = wal.syncOnLoop();
    } finally {
      await wal.close();
    }
  });
  return onLoop!;
}

Deno.test("raft node: the WAL syncs on the loop only as a lone voter with one client", async () => {
  resetClientLoad();
  try {
    requestStarted();
    requestEnded("client");
    assert.equal(await syncOnLoop(["a"]), true, "one member, one client");
    assert.equal(await syncOnLoop(["a", "b", "c"]), false, "three members, one client");
    requestStarted();
    requestStarted();
    assert.equal(await syncOnLoop(["a"]), false, "one member, two requests in flight");
  } finally {
    resetClientLoad();
  }
});
