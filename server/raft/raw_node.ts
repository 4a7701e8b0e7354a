// The application's handle on a raft node. Inputs: tick(), step(),
// propose(), ... Output: a Ready holding everything to persist, send and
// apply, acknowledged with advance(). Not thread-safe, no I/O, no timers.

import {
  ProposalDroppedError,
  RaftInvariantError,
  StepLocalMessageError,
  StepPeerNotFoundError,
} from "./errors.ts";
import { Raft, type RaftConfig } from "./raft.ts";
import {
  type ConfChange,
  type ConfState,
  EMPTY_HARD_STATE,
  type Entry,
  type HardState,
  hardStateEqual,
  isEmptyHardState,
  type Message,
  type NodeId,
  NONE,
  type ProgressStatus,
  type Ready,
  type SoftState,
  type Status,
} from "./types.ts";
import { isLocalMessage, isResponseMessage } from "./util.ts";
import { validateConfChange, validateMessage } from "./validate.ts";

/** The data of a confChange entry: a canonical JSON encoding of the ConfChange. */
export function encodeConfChange(cc: ConfChange): string {
  return JSON.stringify({
    type: cc.type,
    nodeId: cc.nodeId,
    context: cc.context,
  });
}

/** Decodes (and validates) the data of a confChange entry. */
export function decodeConfChange(data: string): ConfChange {
  const cc: unknown = JSON.parse(data);
  validateConfChange(cc);
  return cc;
}

export class RawNode {
  /** The state machine itself; exposed for tests and diagnostics, not for driving the node. */
  readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;
  /** A Ready was handed out and not yet advanced. */
  private readyOutstanding = false;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    const storage = config.storage;
    const fresh = storage.lastIndex() === 0 &&
      isEmptyHardState(this.raft.hardState()) &&
      storage.snapshot().metadata.index === 0;
    if (config.peers && config.peers.length > 0 && fresh) {
      this.bootstrap(config.peers);
      // The bootstrap hard state (term 1, commit n) must reach storage in the first Ready.
      this.prevHardState = { ...EMPTY_HARD_STATE };
    } else {
      this.prevHardState = this.raft.hardState();
    }
    this.prevSoftState = this.raft.softState();
  }

  /**
   * Starts a brand-new cluster: the log begins with one addNode conf change
   * per peer (sorted, so every founding member writes the same entries),
   * all committed at term 1. The application receives them as committed
   * entries like any others; applying them again is a no-op.
   */
  private bootstrap(peers: NodeId[]): void {
    const ids = [...new Set(peers)].sort();
    const r = this.raft;
    r.becomeFollower(1, NONE);
    const ents: Entry[] = ids.map((id, i) => ({
      term: 1,
      index: i + 1,
      type: "confChange",
      data: encodeConfChange({ type: "addNode", nodeId: id, context: "" }),
    }));
    r.raftLog.append(ents);
    r.raftLog.committed = ents.length;
    for (const id of ids) {
      r.applyConfChange({ type: "addNode", nodeId: id, context: "" });
    }
  }

  tick(): void {
    this.raft.tick();
  }

  /** Campaigns now instead of waiting for the election timeout. */
  campaign(): void {
    this.raft.step({ type: "hup", to: NONE, from: this.raft.id, term: 0 });
  }

  /** Proposes data to be appended to the log. Throws ProposalDroppedError if it cannot be accepted or forwarded. */
  propose(data: string): void {
    if (typeof data !== "string") {
      throw new TypeError("raft: proposal data must be a string");
    }
    this.raft.step({
      type: "prop",
      to: NONE,
      from: this.raft.id,
      term: 0,
      entries: [{ term: 0, index: 0, type: "normal", data }],
    });
  }

  /**
   * Proposes a membership change. Only one may be pending at a time: the
   * leader refuses (ProposalDroppedError) a second one until the first is
   * applied, and a new leader refuses them until it applied its first entry.
   */
  proposeConfChange(cc: ConfChange): void {
    validateConfChange(cc);
    this.raft.step({
      type: "prop",
      to: NONE,
      from: this.raft.id,
      term: 0,
      entries: [{
        term: 0,
        index: 0,
        type: "confChange",
        data: encodeConfChange(cc),
      }],
    });
  }

  /** Called by the application when it applies a committed confChange entry. */
  applyConfChange(cc: ConfChange): ConfState {
    validateConfChange(cc);
    return this.raft.applyConfChange(cc);
  }

  /**
   * Feeds a message received from a peer. Throws InvalidMessageError on
   * malformed or misaddressed input, StepLocalMessageError for types only
   * raft may generate and StepPeerNotFoundError for responses from nodes
   * outside the configuration; none of these change any state. A forwarded
   * proposal or read request this node can no longer place is dropped
   * quietly (its originator times out), as there is nobody here to tell.
   */
  step(m: Message): void {
    validateMessage(m, this.raft.id);
    if (isLocalMessage(m.type)) throw new StepLocalMessageError(m.type);
    if (isResponseMessage(m.type) && !this.raft.prs.progress.has(m.from)) {
      throw new StepPeerNotFoundError(m.type, m.from);
    }
    try {
      this.raft.step(m);
    } catch (e) {
      if (e instanceof ProposalDroppedError) {
        this.raft.logger.debug(
          `${this.raft.id} dropped a forwarded ${m.type} from ${m.from}: ${e.reason}`,
        );
        return;
      }
      throw e;
    }
  }

  /**
   * Asks for a linearizable read point; the answer arrives as a ReadState
   * with this requestCtx in a later Ready. requestCtx must be unique among
   * outstanding requests. Throws ProposalDroppedError when there is no
   * leader to ask. Requests outstanding when leadership changes are dropped
   * silently: callers need a timeout.
   */
  readIndex(requestCtx: string): void {
    if (typeof requestCtx !== "string") {
      throw new TypeError("raft: requestCtx must be a string");
    }
    if (this.raft.lead === NONE) throw new ProposalDroppedError("no leader");
    this.raft.step({
      type: "readIndex",
      to: NONE,
      from: this.raft.id,
      term: 0,
      context: requestCtx,
    });
  }

  /** Asks the leader to hand leadership to `to` (from any member; followers forward it). */
  transferLeadership(to: NodeId): void {
    this.raft.step({ type: "transferLeader", to: NONE, from: to, term: 0 });
  }

  /** The application knows `id` is down (it refuses connections): if it led us, stop waiting for it. */
  leaderGone(id: NodeId): void {
    this.raft.leaderGone(id);
  }

  /** The application failed to deliver a message to `id`. */
  reportUnreachable(id: NodeId): void {
    this.raft.step({ type: "unreachable", to: NONE, from: id, term: 0 });
  }

  /** The application finished (or failed) sending a snapshot to `id`. */
  reportSnapshot(id: NodeId, status: "finish" | "failure"): void {
    this.raft.step({
      type: "snapStatus",
      to: NONE,
      from: id,
      term: 0,
      reject: status === "failure",
    });
  }

  hasReady(): boolean {
    const r = this.raft;
    if (
      r.lead !== this.prevSoftState.leader ||
      r.state !== this.prevSoftState.state
    ) return true;
    const ps = this.prevHardState;
    if (
      r.term !== ps.term || r.vote !== ps.vote ||
      r.raftLog.committed !== ps.commit
    ) {
      if (!isEmptyHardState(r.hardState())) return true;
    }
    if (r.raftLog.hasPendingSnapshot()) return true;
    if (
      r.msgs.length !== 0 || r.raftLog.unstable.entries.length !== 0 ||
      r.readStates.length !== 0
    ) return true;
    if (r.hasPendingAppends()) return true;
    return r.raftLog.hasNextCommittedEnts();
  }

  /**
   * Everything to do since the last Ready. Must be followed by advance(rd)
   * before the next call to ready().
   */
  ready(): Ready {
    if (this.readyOutstanding) {
      throw new RaftInvariantError("ready() called again before advance()");
    }
    const r = this.raft;
    r.flushPendingAppends();
    const rd: Ready = {
      entries: r.raftLog.unstableEntries(),
      committedEntries: r.raftLog.nextCommittedEnts(),
      messages: r.msgs,
      readStates: r.readStates,
      mustSync: false,
    };
    const ss = r.softState();
    if (
      ss.leader !== this.prevSoftState.leader ||
      ss.state !== this.prevSoftState.state
    ) {
      rd.softState = ss;
      this.prevSoftState = ss;
    }
    const hs = r.hardState();
    if (!isEmptyHardState(hs) && !hardStateEqual(hs, this.prevHardState)) {
      rd.hardState = hs;
    }
    const snap = r.raftLog.unstable.snapshot;
    if (snap) rd.snapshot = snap;
    rd.mustSync = rd.entries.length !== 0 || rd.snapshot !== undefined ||
      (rd.hardState !== undefined &&
        (hs.term !== this.prevHardState.term ||
          hs.vote !== this.prevHardState.vote));
    r.msgs = [];
    r.readStates = [];
    this.readyOutstanding = true;
    return rd;
  }

  /** The application handled rd: its entries are stable and its committed entries applied. */
  advance(rd: Ready): void {
    if (!this.readyOutstanding) {
      throw new RaftInvariantError("advance() without a pending ready()");
    }
    this.readyOutstanding = false;
    const log = this.raft.raftLog;
    if (rd.hardState) this.prevHardState = rd.hardState;
    if (rd.snapshot) log.stableSnapTo(rd.snapshot.metadata.index);
    if (rd.entries.length !== 0) {
      const last = rd.entries[rd.entries.length - 1];
      log.stableTo(last.index, last.term);
    }
    if (rd.committedEntries.length !== 0) {
      log.appliedTo(rd.committedEntries[rd.committedEntries.length - 1].index);
    } else if (rd.snapshot && rd.snapshot.metadata.index > log.applied) {
      log.appliedTo(rd.snapshot.metadata.index);
    }
  }

  status(): Status {
    const r = this.raft;
    const st: Status = {
      id: r.id,
      hardState: r.hardState(),
      softState: r.softState(),
      applied: r.raftLog.applied,
      config: r.prs.confState(),
    };
    if (r.state === "leader") {
      const progress: Record<NodeId, ProgressStatus> = {};
      for (const id of r.prs.ids()) {
        const pr = r.prs.progress.get(id)!;
        progress[id] = { match: pr.match, next: pr.next, state: pr.state };
      }
      st.progress = progress;
    }
    return st;
  }
}
