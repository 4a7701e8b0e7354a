// Proof that the simulator can fail: break one rule of raft at a time
// (through a test-only override of the method that implements it) and check
// that the invariant checker catches the damage within a few seeds.

import assert from "node:assert/strict";
import { RaftLog } from "../../server/raft/log.ts";
import { Raft } from "../../server/raft/raft.ts";
import { ProgressTracker } from "../../server/raft/tracker.ts";
import type { Message } from "../../server/raft/types.ts";
import type { Invariant } from "./sim/checker.ts";
import { runSim, SimFailure } from "./sim/cluster.ts";
import { configByName } from "./sim/configs.ts";

/** Runs seeds with `proto[method]` replaced until one fails; restores the original afterwards. */
function firstFailure<T extends object>(
  proto: T,
  method: string,
  broken: (this: T, ...args: never[]) => unknown,
  config: string,
  maxSeeds = 200,
): SimFailure | undefined {
  const p = proto as Record<string, unknown>;
  const original = p[method];
  assert.equal(typeof original, "function", `${method} must exist`);
  p[method] = broken;
  try {
    for (let seed = 1; seed <= maxSeeds; seed++) {
      try {
        runSim(configByName(config), seed);
      } catch (e) {
        if (e instanceof SimFailure) return e;
        throw e;
      }
    }
    return undefined;
  } finally {
    p[method] = original;
  }
}

const SAFETY: Invariant[] = [
  "election safety",
  "log matching",
  "leader completeness",
  "state machine safety",
  "durability",
  "linearizable read",
  "raft error",
];

Deno.test("broken rule caught: voting twice in a term breaks election safety", () => {
  const f = firstFailure(
    Raft.prototype,
    "voteAllowed",
    function (this: Raft, _m: never) {
      return true;
    },
    "plain3",
  );
  assert.ok(f, "the simulator must catch a node that votes twice");
  assert.equal(f.invariant, "election safety", f.message);
  assert.match(f.message, /RAFT_SIM_SEED=\d+/);
});

Deno.test("broken rule caught: committing without a majority loses committed entries", () => {
  const f = firstFailure(
    ProgressTracker.prototype,
    "committed",
    function (this: ProgressTracker) {
      // Commit whatever the most advanced voter (the leader itself) holds.
      let max = 0;
      for (const id of this.voters) {
        max = Math.max(
          max,
          this.progress.get(id)?.match ?? 0,
        );
      }
      return max;
    },
    "plain3",
  );
  assert.ok(f, "the simulator must catch commits by a minority");
  assert.ok(SAFETY.includes(f.invariant), f.message);
  assert.notEqual(
    f.invariant,
    "raft error",
    `the checker, not raft's own assertions, should notice first: ${f.message}`,
  );
});

Deno.test("broken rule caught: granting votes to candidates with stale logs breaks leader completeness", () => {
  const f = firstFailure(
    RaftLog.prototype,
    "isUpToDate",
    function (this: RaftLog, _i: never, _t: never) {
      return true;
    },
    "plain3",
  );
  assert.ok(f, "the simulator must catch an out-of-date leader");
  assert.ok(SAFETY.includes(f.invariant), f.message);
});

Deno.test("broken rule caught: answering reads without confirming leadership serves stale reads", () => {
  // A leader that answers read-index requests at once, without the heartbeat round.
  const f = firstFailure(
    Raft.prototype,
    "confirmReadIndex",
    function (this: Raft, m: never) {
      (this as unknown as { respondReadIndex(m: Message, i: number): void })
        .respondReadIndex(m, this.raftLog.committed);
    },
    "plain3",
    300,
  );
  assert.ok(f, "the simulator must catch a stale read");
  assert.equal(f.invariant, "linearizable read", f.message);
});
