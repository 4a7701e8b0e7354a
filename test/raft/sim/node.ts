// One simulated member: durable storage that survives crashes, a RawNode
// and an application state machine that do not, and the application side
// of the Ready loop (persist, then send, then apply, then advance).

import {
  decodeConfChange,
  encodeConfChange,
} from "../../../server/raft/raw_node.ts";
import { RawNode } from "../../../server/raft/raw_node.ts";
import { seededRandom } from "../../../server/raft/rand.ts";
import { MemoryStorage } from "../../../server/raft/storage.ts";
import type {
  ConfState,
  Entry,
  NodeId,
  Ready,
  Snapshot,
} from "../../../server/raft/types.ts";

export interface NodeOptions {
  electionTick: number;
  heartbeatTick: number;
  preVote: boolean;
  checkQuorum: boolean;
  maxSizePerMsg: number;
  maxInflightMsgs: number;
}

/** What the application keeps in its snapshots. */
interface AppSnapshot {
  hash: number;
  removed: NodeId[];
}

/** A 32-bit hash chain over applied entries: equal hashes at an index mean equal histories. */
export function mixEntry(h: number, e: Entry): number {
  h = Math.imul(h ^ e.index, 0x9e3779b1) >>> 0;
  h = Math.imul(h ^ e.term, 0x85ebca6b) >>> 0;
  const d = e.data;
  for (let i = 0; i < d.length; i++) {
    h = Math.imul(h ^ d.charCodeAt(i), 0x01000193) >>> 0;
  }
  return (h ^ (e.type === "confChange" ? 0x5bd1e995 : 0)) >>> 0;
}

/** Where in handling a Ready a crash strikes. */
export type CrashPoint = "beforePersist" | "afterPersist";

export interface ApplyHooks {
  onSnapshot(node: SimNode, s: Snapshot, hash: number): void;
  onApply(
    node: SimNode,
    e: Entry,
    hashAfter: number,
    prevApplied: number,
  ): void;
}

export class SimNode {
  readonly id: NodeId;
  /** Durable: survives crashes. */
  readonly storage = new MemoryStorage();
  /** Founding members pass the initial cluster on every start, as a real server would. */
  readonly peers: NodeId[] | undefined;
  rawNode: RawNode | undefined;

  // Volatile application state, rebuilt from the snapshot and the log on restart.
  appliedIndex = 0;
  hash = 0;
  confState: ConfState = { voters: [] };
  /** Members this node knows were removed: their messages are refused, as etcd's transport does. */
  removed = new Set<NodeId>();
  /** Incremented on every restart so observers can tell incarnations apart. */
  incarnation = 0;

  constructor(id: NodeId, peers: NodeId[] | undefined) {
    this.id = id;
    this.peers = peers;
  }

  get up(): boolean {
    return this.rawNode !== undefined;
  }

  start(opts: NodeOptions, seed: number): void {
    const snap = this.storage.snapshot();
    this.loadSnapshot(snap);
    this.incarnation++;
    this.rawNode = new RawNode({
      id: this.id,
      peers: this.peers,
      electionTick: opts.electionTick,
      heartbeatTick: opts.heartbeatTick,
      storage: this.storage,
      applied: snap.metadata.index,
      preVote: opts.preVote,
      checkQuorum: opts.checkQuorum,
      maxSizePerMsg: opts.maxSizePerMsg,
      maxInflightMsgs: opts.maxInflightMsgs,
      random: seededRandom(seed),
    });
  }

  crash(): void {
    this.rawNode = undefined;
  }

  private loadSnapshot(s: Snapshot): void {
    this.appliedIndex = s.metadata.index;
    this.confState = s.metadata.confState;
    if (s.data) {
      const app = JSON.parse(s.data) as AppSnapshot;
      this.hash = app.hash;
      this.removed = new Set(app.removed);
    } else {
      this.hash = 0;
      // Without a snapshot, keep what the member was told when it joined.
    }
  }

  /** Writes what must be durable before any message of the Ready may leave. */
  persist(rd: Ready): void {
    if (rd.snapshot) this.storage.applySnapshot(rd.snapshot);
    if (rd.entries.length !== 0) this.storage.append(rd.entries);
    if (rd.hardState) this.storage.setHardState(rd.hardState);
  }

  /** Applies the Ready's snapshot and committed entries to the state machine. */
  apply(rd: Ready, hooks: ApplyHooks): void {
    if (rd.snapshot) {
      this.loadSnapshot(rd.snapshot);
      hooks.onSnapshot(this, rd.snapshot, this.hash);
    }
    for (const e of rd.committedEntries) {
      const prevApplied = this.appliedIndex;
      this.hash = mixEntry(this.hash, e);
      this.appliedIndex = e.index;
      if (e.type === "confChange") {
        const cc = decodeConfChange(e.data);
        this.confState = this.rawNode!.applyConfChange(cc);
        if (cc.type === "removeNode") this.removed.add(cc.nodeId);
      }
      hooks.onApply(this, e, this.hash, prevApplied);
    }
  }

  /** Snapshots the state machine at the applied index and compacts the log, keeping `keep` entries. */
  snapshotAndCompact(keep: number): boolean {
    const snapIndex = this.storage.snapshot().metadata.index;
    if (
      this.appliedIndex <= snapIndex ||
      this.appliedIndex > this.storage.lastIndex()
    ) return false;
    const data: AppSnapshot = {
      hash: this.hash,
      removed: [...this.removed].sort(),
    };
    this.storage.createSnapshot(
      this.appliedIndex,
      this.confState,
      JSON.stringify(data),
    );
    const compactTo = this.appliedIndex - keep;
    if (compactTo > this.storage.firstIndex() - 1) {
      this.storage.compact(compactTo);
    }
    return true;
  }

  isMember(id: NodeId): boolean {
    return this.confState.voters.includes(id) ||
      (this.confState.learners ?? []).includes(id);
  }
}

export { encodeConfChange };
