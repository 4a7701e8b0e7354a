// The raft state machine: one node's view of elections, replication,
// commitment, membership, leadership transfer and read-index. Pure and
// deterministic: input arrives through tick() and step(), output leaves
// through `msgs`, `readStates` and the log; randomness comes from config.

import {
  CompactedError,
  InvalidMessageError,
  ProposalDroppedError,
  RaftInvariantError,
  SnapshotTemporarilyUnavailableError,
} from "./errors.ts";
import { RaftLog } from "./log.ts";
import type { Progress } from "./progress.ts";
import { ReadOnly } from "./read_only.ts";
import type { Storage } from "./storage.ts";
import { ProgressTracker } from "./tracker.ts";
import {
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  isEmptyHardState,
  type Message,
  type NodeId,
  NONE,
  type RaftLogger,
  type ReadState,
  type Snapshot,
  type SoftState,
  type StateType,
} from "./types.ts";
import { voteResponseType } from "./util.ts";

export interface RaftConfig {
  id: NodeId;
  /** Initial voters when starting a brand-new cluster with empty storage (otherwise read from storage). */
  peers?: NodeId[];
  /** Ticks without hearing from a leader before a follower campaigns (randomized in [e, 2e)). */
  electionTick: number;
  /** Ticks between leader heartbeats. */
  heartbeatTick: number;
  storage: Storage;
  /** The last index the application applied (on restart); entries after it are handed out again. */
  applied?: number;
  /** Bytes of entry data per append message. Default 1 MiB; 0 means one entry per message. */
  maxSizePerMsg?: number;
  /** Append messages in flight per follower in replicate state. Default 256. */
  maxInflightMsgs?: number;
  /** Bytes of entry data in Ready.committedEntries. Default unlimited. */
  maxCommittedSizePerReady?: number;
  /** The leader steps down when it has not heard from a quorum for an election timeout; followers ignore votes while they hear from a leader. */
  checkQuorum?: boolean;
  /** Campaign in two phases so a node that cannot win does not bump terms. */
  preVote?: boolean;
  /** Followers drop proposals instead of forwarding them to the leader. */
  disableProposalForwarding?: boolean;
  /** Seeded source in [0, 1) for randomized election timeouts. */
  random: () => number;
  logger?: RaftLogger;
}

type CampaignType = "preElection" | "election" | "transfer";

/** The vote-request context marking a campaign forced by a leadership transfer. */
export const CAMPAIGN_TRANSFER = "transfer";

const NOOP_LOGGER: RaftLogger = { debug() {}, info() {}, warn() {} };

const DEFAULT_MAX_SIZE_PER_MSG = 1024 * 1024;
const DEFAULT_MAX_INFLIGHT = 256;

function validateConfig(c: RaftConfig): void {
  if (typeof c.id !== "string" || c.id === NONE) {
    throw new Error("raft config: id must be a non-empty string");
  }
  if (!Number.isInteger(c.heartbeatTick) || c.heartbeatTick <= 0) {
    throw new Error("raft config: heartbeatTick must be a positive integer");
  }
  if (!Number.isInteger(c.electionTick) || c.electionTick <= c.heartbeatTick) {
    throw new Error(
      "raft config: electionTick must be an integer greater than heartbeatTick",
    );
  }
  if (!c.storage) throw new Error("raft config: storage is required");
  if (typeof c.random !== "function") {
    throw new Error("raft config: random is required");
  }
  if (
    c.maxInflightMsgs !== undefined &&
    (!Number.isInteger(c.maxInflightMsgs) || c.maxInflightMsgs <= 0)
  ) {
    throw new Error("raft config: maxInflightMsgs must be a positive integer");
  }
}

export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  state: StateType = "follower";
  isLearner = false;

  readonly raftLog: RaftLog;
  prs: ProgressTracker;

  /** Outgoing messages, taken by the next Ready. */
  msgs: Message[] = [];
  /** Answered read-index requests, taken by the next Ready. */
  readStates: ReadState[] = [];

  /** The member leadership is being transferred to, or NONE. */
  leadTransferee: NodeId = NONE;
  /** A new conf change may be proposed only once the log is applied up to here. */
  pendingConfIndex = 0;
  readOnly = new ReadOnly();
  /** Read requests that arrived before this leader committed an entry of its term. */
  pendingReadIndexMessages: Message[] = [];

  /** Appends are broadcast lazily (once per Ready) so a burst of proposals becomes one message. */
  private appendPending = false;
  private bcastPending = false;

  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  readonly electionTimeout: number;
  readonly heartbeatTimeout: number;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly disableProposalForwarding: boolean;
  readonly maxMsgSize: number;
  private readonly random: () => number;
  readonly logger: RaftLogger;

  constructor(c: RaftConfig) {
    validateConfig(c);
    this.id = c.id;
    this.electionTimeout = c.electionTick;
    this.heartbeatTimeout = c.heartbeatTick;
    this.checkQuorum = c.checkQuorum ?? false;
    this.preVote = c.preVote ?? false;
    this.disableProposalForwarding = c.disableProposalForwarding ?? false;
    this.maxMsgSize = c.maxSizePerMsg ?? DEFAULT_MAX_SIZE_PER_MSG;
    this.random = c.random;
    this.logger = c.logger ?? NOOP_LOGGER;
    this.raftLog = new RaftLog(
      c.storage,
      c.maxCommittedSizePerReady ?? Infinity,
    );
    this.prs = new ProgressTracker(c.maxInflightMsgs ?? DEFAULT_MAX_INFLIGHT);

    const { hardState, confState } = c.storage.initialState();
    this.loadConfState(confState);
    if (!isEmptyHardState(hardState)) this.loadState(hardState);
    if (c.applied) this.raftLog.appliedTo(c.applied);
    this.becomeFollower(this.term, NONE);
    this.logger.info(
      `${this.id} newRaft [peers: ${
        this.prs.ids().join(",")
      }, term: ${this.term}, commit: ${this.raftLog.committed}, ` +
        `applied: ${this.raftLog.applied}, lastindex: ${this.raftLog.lastIndex()}, lastterm: ${this.raftLog.lastTerm()}]`,
    );
  }

  softState(): SoftState {
    return { leader: this.lead, state: this.state };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  private loadState(hs: HardState): void {
    if (hs.commit > this.raftLog.lastIndex()) {
      throw new RaftInvariantError(
        `${this.id} state.commit ${hs.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`,
      );
    }
    // A snapshot is committed state: a hard state saved before it (a crash
    // between the two writes) cannot pull the commit index below it.
    this.raftLog.committed = Math.max(hs.commit, this.raftLog.committed);
    this.term = hs.term;
    this.vote = hs.vote;
  }

  /** Replaces the configuration with cs; every member starts probing after our last index. */
  private loadConfState(cs: ConfState): void {
    const prs = new ProgressTracker(this.prs.maxInflight);
    const next = this.raftLog.lastIndex() + 1;
    for (const id of cs.voters) prs.addVoter(id, next);
    for (const id of cs.learners ?? []) prs.addLearner(id, next);
    const self = prs.progress.get(this.id);
    if (self) self.match = next - 1;
    this.prs = prs;
    this.isLearner = self?.isLearner ?? false;
  }

  // ---- sending ----

  /** Queues a message; fills in `from` and (except for votes, proposals and reads) the current term. */
  private send(m: Message): void {
    if (m.from === NONE) m.from = this.id;
    if (
      m.type === "vote" || m.type === "voteResp" || m.type === "preVote" ||
      m.type === "preVoteResp"
    ) {
      if (m.term === 0) {
        throw new RaftInvariantError(
          `term should be set when sending ${m.type}`,
        );
      }
    } else {
      if (m.term !== 0) {
        throw new RaftInvariantError(
          `term should not be set when sending ${m.type} (was ${m.term})`,
        );
      }
      // Proposals and read requests are forwarded like local messages: no term.
      if (m.type !== "prop" && m.type !== "readIndex") m.term = this.term;
    }
    this.msgs.push(m);
  }

  /** Sends an append (or a snapshot) to `to` if flow control allows. Returns whether a message was sent. */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.prs.progress.get(to);
    if (!pr || pr.isPaused()) return false;
    let logTerm: number;
    let ents: Entry[];
    try {
      logTerm = this.raftLog.term(pr.next - 1);
      ents = this.raftLog.entries(pr.next, this.maxMsgSize);
    } catch (e) {
      if (e instanceof CompactedError) return this.maybeSendSnapshot(to, pr);
      throw e;
    }
    if (ents.length === 0 && !sendIfEmpty) return false;
    this.send({
      type: "app",
      to,
      from: NONE,
      term: 0,
      index: pr.next - 1,
      logTerm,
      entries: ents,
      commit: this.raftLog.committed,
    });
    if (ents.length !== 0 && pr.state === "replicate") {
      const last = ents[ents.length - 1].index;
      pr.optimisticUpdate(last);
      pr.inflights.add(last);
    } else if (pr.state === "probe") {
      pr.probeSent = true;
    }
    return true;
  }

  /** The entries the follower needs are compacted: send the snapshot instead. */
  private maybeSendSnapshot(to: NodeId, pr: Progress): boolean {
    // Don't spend a snapshot on a follower that is probably down.
    if (!pr.recentActive) return false;
    let snapshot: Snapshot;
    try {
      snapshot = this.raftLog.snapshot();
    } catch (e) {
      if (e instanceof SnapshotTemporarilyUnavailableError) return false;
      throw e;
    }
    if (snapshot.metadata.index === 0) {
      throw new RaftInvariantError("need non-empty snapshot");
    }
    this.logger.debug(
      `${this.id} [firstindex: ${this.raftLog.firstIndex()}, commit: ${this.raftLog.committed}] sent snapshot ` +
        `[index: ${snapshot.metadata.index}, term: ${snapshot.metadata.term}] to ${to} [${pr}]`,
    );
    pr.becomeSnapshot(snapshot.metadata.index);
    this.send({ type: "snap", to, from: NONE, term: 0, snapshot });
    return true;
  }

  private sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  private sendHeartbeat(to: NodeId, ctx: string | undefined): void {
    const pr = this.prs.progress.get(to);
    if (!pr) return;
    // A follower may not hold everything up to our commit yet; never tell it to commit past its match.
    const commit = Math.min(pr.match, this.raftLog.committed);
    const m: Message = { type: "heartbeat", to, from: NONE, term: 0, commit };
    if (ctx !== undefined) m.context = ctx;
    this.send(m);
  }

  /** Asks every follower to catch up (even with an empty append, e.g. to learn a new commit index). */
  bcastAppend(): void {
    this.bcastPending = true;
  }

  private bcastHeartbeat(): void {
    const ctx = this.readOnly.lastPendingRequestCtx();
    for (const id of this.prs.ids()) {
      if (id !== this.id) this.sendHeartbeat(id, ctx);
    }
  }

  /** Whether flushPendingAppends() would do anything. */
  hasPendingAppends(): boolean {
    return this.appendPending || this.bcastPending;
  }

  /** Sends the appends queued since the last Ready: one pass over the followers, as far as flow control allows. */
  flushPendingAppends(): void {
    if (!this.appendPending && !this.bcastPending) return;
    const sendIfEmpty = this.bcastPending;
    this.appendPending = false;
    this.bcastPending = false;
    if (this.state !== "leader") return;
    for (const id of this.prs.ids()) {
      if (id === this.id) continue;
      if (!this.maybeSendAppend(id, sendIfEmpty)) continue;
      while (this.maybeSendAppend(id, false)) {
        /* keep filling the pipeline */
      }
    }
  }

  // ---- state transitions ----

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.prs.resetVotes();
    const lastIndex = this.raftLog.lastIndex();
    for (const [id, pr] of this.prs.progress) {
      pr.becomeProbe();
      pr.match = id === this.id ? lastIndex : 0;
      pr.next = lastIndex + 1;
      pr.recentActive = false;
      pr.probeSent = false;
    }
    this.pendingConfIndex = 0;
    this.readOnly = new ReadOnly();
    this.pendingReadIndexMessages = [];
    this.appendPending = false;
    this.bcastPending = false;
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.state = "follower";
    this.logger.info(
      `${this.id} became follower at term ${this.term}` +
        (lead ? ` (leader ${lead})` : ""),
    );
  }

  becomeCandidate(): void {
    if (this.state === "leader") {
      throw new RaftInvariantError("invalid transition [leader -> candidate]");
    }
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = "candidate";
    this.logger.info(`${this.id} became candidate at term ${this.term}`);
  }

  becomePreCandidate(): void {
    if (this.state === "leader") {
      throw new RaftInvariantError(
        "invalid transition [leader -> pre-candidate]",
      );
    }
    // A pre-candidate keeps its term and vote: it only asks whether it could win.
    this.prs.resetVotes();
    this.lead = NONE;
    this.state = "preCandidate";
    this.logger.info(`${this.id} became pre-candidate at term ${this.term}`);
  }

  becomeLeader(): void {
    if (this.state === "follower") {
      throw new RaftInvariantError("invalid transition [follower -> leader]");
    }
    this.reset(this.term);
    this.lead = this.id;
    this.state = "leader";
    const self = this.prs.progress.get(this.id);
    if (self) {
      self.becomeReplicate();
      self.recentActive = true;
    }
    // An entry of our own term: committing it commits everything before it (§5.4.2).
    this.appendEntry([{ term: 0, index: 0, type: "normal", data: "" }]);
    // No conf change until that entry is applied: it also carries over any
    // conf change of the previous leader that is still in the log.
    this.pendingConfIndex = this.raftLog.lastIndex();
    this.logger.info(`${this.id} became leader at term ${this.term}`);
  }

  private resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout = this.electionTimeout +
      Math.floor(this.random() * this.electionTimeout);
  }

  private abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }

  /** Whether this node may become leader: a voter with no unpersisted snapshot. */
  promotable(): boolean {
    const pr = this.prs.progress.get(this.id);
    return pr !== undefined && !pr.isLearner &&
      !this.raftLog.hasPendingSnapshot();
  }

  // ---- ticking ----

  tick(): void {
    if (this.state === "leader") this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (
      this.promotable() &&
      this.electionElapsed >= this.randomizedElectionTimeout
    ) {
      this.electionElapsed = 0;
      this.hup(this.preVote ? "preElection" : "election");
    }
  }

  /**
   * The application knows the leader `id` is gone (its process refuses
   * connections). A follower forgets it, so it grants (pre-)votes at once
   * instead of holding the lease, and campaigns after a random 1-3 ticks
   * instead of a whole election timeout. If the leader was alive after all,
   * pre-vote fails at the others (they still hear from it) and its next
   * heartbeat makes this node its follower again: nothing is disrupted.
   */
  leaderGone(id: NodeId): void {
    if (this.state !== "follower" || this.lead !== id || id === NONE) return;
    this.logger.info(`${this.id} [term: ${this.term}] forgets leader ${id}: it is gone`);
    this.lead = NONE;
    // Random, so the survivors rarely campaign in the same tick and split the vote.
    const ticksLeft = 1 + Math.floor(this.random() * 3);
    this.electionElapsed = Math.max(this.electionElapsed, this.randomizedElectionTimeout - ticksLeft);
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum) this.stepLeaderCheckQuorum();
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.state === "leader" && this.leadTransferee !== NONE) {
        this.logger.info(
          `${this.id} abandons leadership transfer to ${this.leadTransferee}`,
        );
        this.abortLeaderTransfer();
      }
    }
    if (this.state !== "leader") return;
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  }

  // ---- elections ----

  private hup(t: CampaignType): void {
    if (this.state === "leader") {
      this.logger.debug(`${this.id} ignoring hup because already leader`);
      return;
    }
    if (!this.promotable()) {
      this.logger.warn(`${this.id} is unpromotable and can not campaign`);
      return;
    }
    if (this.hasUnappliedConfChanges()) {
      this.logger.warn(
        `${this.id} cannot campaign at term ${this.term}: committed conf changes are not applied yet`,
      );
      return;
    }
    this.logger.info(
      `${this.id} is starting a new election at term ${this.term}`,
    );
    this.campaign(t);
  }

  private hasUnappliedConfChanges(): boolean {
    const log = this.raftLog;
    if (log.applied >= log.committed) return false;
    const lo = Math.max(log.applied + 1, log.firstIndex());
    if (lo > log.committed) return false;
    const ents = log.slice(lo, log.committed + 1, Infinity);
    for (let i = 0; i < ents.length; i++) {
      if (ents[i].type === "confChange") return true;
    }
    return false;
  }

  campaign(t: CampaignType): void {
    if (!this.promotable()) {
      this.logger.warn(
        `${this.id} is unpromotable; campaign() should have been called`,
      );
      return;
    }
    let voteType: "vote" | "preVote";
    let term: number;
    if (t === "preElection") {
      this.becomePreCandidate();
      voteType = "preVote";
      // Pre-votes are asked for the term we would campaign in.
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = "vote";
      term = this.term;
    }
    if (this.poll(this.id, voteResponseType(voteType), true) === "won") {
      // A single-voter cluster: we win with our own vote.
      if (t === "preElection") this.campaign("election");
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.raftLog.lastIndex();
    const lastTerm = this.raftLog.lastTerm();
    for (const id of this.prs.voterIds()) {
      if (id === this.id) continue;
      const m: Message = {
        type: voteType,
        to: id,
        from: NONE,
        term,
        index: lastIndex,
        logTerm: lastTerm,
      };
      if (t === "transfer") m.context = CAMPAIGN_TRANSFER;
      this.send(m);
    }
  }

  private poll(
    id: NodeId,
    t: "voteResp" | "preVoteResp",
    granted: boolean,
  ): "pending" | "won" | "lost" {
    this.logger.debug(
      `${this.id} received ${t} ${
        granted ? "grant" : "rejection"
      } from ${id} at term ${this.term}`,
    );
    this.prs.recordVote(id, granted);
    return this.prs.tallyVotes().result;
  }

  /**
   * The one-vote-per-term rule: we may vote for m.from if we already voted
   * for it, or voted for nobody and know no leader in this term; a pre-vote
   * for a future term is not a vote and may always be granted.
   */
  protected voteAllowed(m: Message): boolean {
    return this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      (m.type === "preVote" && m.term > this.term);
  }

  private handleVoteRequest(m: Message): void {
    const t = m.type === "vote" ? "voteResp" : "preVoteResp";
    if (
      this.voteAllowed(m) &&
      this.raftLog.isUpToDate(m.index ?? 0, m.logTerm ?? 0)
    ) {
      // A granted pre-vote answers in the future term so the pre-candidate counts it.
      this.send({
        type: t,
        to: m.from,
        from: NONE,
        term: m.term,
        reject: false,
      });
      if (m.type === "vote") {
        // Only record real votes, and give the candidate time to win.
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({
        type: t,
        to: m.from,
        from: NONE,
        term: this.term,
        reject: true,
      });
    }
  }

  // ---- stepping ----

  step(m: Message): void {
    if (m.term === 0) {
      // A local message (or a forwarded proposal or read request).
    } else if (m.term > this.term) {
      if (m.type === "vote" || m.type === "preVote") {
        const force = m.context === CAMPAIGN_TRANSFER;
        const inLease = this.checkQuorum && this.lead !== NONE &&
          this.electionElapsed < this.electionTimeout;
        if (!force && inLease) {
          // We heard from a live leader within the minimum election timeout:
          // don't let a (possibly partitioned-and-back) node disrupt it.
          this.logger.info(
            `${this.id} [term: ${this.term}] ignored ${m.type} from ${m.from} at term ${m.term}: lease is not expired`,
          );
          return;
        }
      }
      if (m.type === "preVote") {
        // Never change our term in response to a pre-vote.
      } else if (m.type === "preVoteResp" && !m.reject) {
        // A granted pre-vote carries the term we asked about; it is not a newer term.
      } else {
        this.logger.info(
          `${this.id} [term: ${this.term}] received ${m.type} with higher term ${m.term} from ${m.from}`,
        );
        const fromLeader = m.type === "app" || m.type === "heartbeat" ||
          m.type === "snap";
        this.becomeFollower(m.term, fromLeader ? m.from : NONE);
      }
    } else if (m.term < this.term) {
      if (m.type === "heartbeat" || m.type === "app") {
        // Tell a leader stuck in an older term about ours (Figure 2: reply with
        // currentTerm). Our own vote requests may never reach it: with
        // check-quorum or pre-vote they are ignored, and a member that is not
        // (yet) promotable never campaigns at all.
        this.send({ type: "appResp", to: m.from, from: NONE, term: 0 });
      } else if (m.type === "preVote") {
        // Answer so the pre-candidate learns our term instead of waiting forever.
        this.send({
          type: "preVoteResp",
          to: m.from,
          from: NONE,
          term: this.term,
          reject: true,
        });
      }
      return;
    }

    switch (m.type) {
      case "hup":
        this.hup(this.preVote ? "preElection" : "election");
        return;
      case "vote":
      case "preVote":
        this.handleVoteRequest(m);
        return;
    }
    switch (this.state) {
      case "leader":
        this.stepLeader(m);
        return;
      case "candidate":
      case "preCandidate":
        this.stepCandidate(m);
        return;
      case "follower":
        this.stepFollower(m);
        return;
    }
  }

  private isLocalRequest(m: Message): boolean {
    return m.from === this.id || m.from === NONE;
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case "beat":
        this.bcastHeartbeat();
        return;
      case "checkQuorum":
        this.stepLeaderCheckQuorum();
        return;
      case "prop":
        this.handleProposal(m);
        return;
      case "readIndex":
        this.handleReadIndexAsLeader(m);
        return;
    }
    const pr = this.prs.progress.get(m.from);
    if (!pr) {
      this.logger.debug(`${this.id} no progress available for ${m.from}`);
      return;
    }
    switch (m.type) {
      case "appResp":
        this.handleAppendResponse(m, pr);
        return;
      case "heartbeatResp":
        this.handleHeartbeatResponse(m, pr);
        return;
      case "snapStatus":
        if (pr.state !== "snapshot") return;
        if (m.reject) pr.pendingSnapshot = 0;
        this.logger.debug(
          `${this.id} snapshot ${
            m.reject ? "failed" : "succeeded"
          } for ${m.from} [${pr}]`,
        );
        pr.becomeProbe();
        // Wait for the follower to answer (heartbeat or append) before probing again.
        pr.probeSent = true;
        return;
      case "unreachable":
        // Messages were probably lost: fall back to probing instead of pipelining into the void.
        if (pr.state === "replicate") pr.becomeProbe();
        return;
      case "transferLeader":
        this.handleTransferLeader(m, pr);
        return;
    }
  }

  private stepLeaderCheckQuorum(): void {
    if (!this.prs.quorumActive(this.id)) {
      this.logger.warn(
        `${this.id} stepped down to follower since quorum is not active`,
      );
      this.becomeFollower(this.term, NONE);
    }
    // Everyone (but us) must show signs of life again before the next check.
    for (const [id, pr] of this.prs.progress) {
      if (id !== this.id) pr.recentActive = false;
    }
  }

  private handleProposal(m: Message): void {
    const entries = m.entries ?? [];
    if (entries.length === 0) {
      throw new InvalidMessageError("proposal without entries");
    }
    if (!this.prs.progress.has(this.id)) {
      throw new ProposalDroppedError("not a member");
    }
    if (this.leadTransferee !== NONE) {
      throw new ProposalDroppedError("leadership transfer in progress");
    }
    const local = this.isLocalRequest(m);
    // Decide everything before changing anything, so a refusal leaves no trace.
    let pendingConfIndex = this.pendingConfIndex;
    const lastIndex = this.raftLog.lastIndex();
    const accepted: Entry[] = new Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (e.type === "confChange") {
        if (pendingConfIndex > this.raftLog.applied) {
          if (local) {
            throw new ProposalDroppedError(
              "a configuration change is already pending (or the new leader has not applied its first entry)",
            );
          }
          // A forwarded conf change cannot be refused to its proposer: it becomes a no-op entry.
          this.logger.info(
            `${this.id} ignoring forwarded conf change: one is pending until ${pendingConfIndex}`,
          );
          accepted[i] = { term: 0, index: 0, type: "normal", data: "" };
          continue;
        }
        pendingConfIndex = lastIndex + i + 1;
      }
      accepted[i] = e;
    }
    this.pendingConfIndex = pendingConfIndex;
    this.appendEntry(accepted);
    this.appendPending = true;
  }

  /** Appends entries (given data and type) to our log at the current term. */
  private appendEntry(es: Entry[]): void {
    const li = this.raftLog.lastIndex();
    const ents: Entry[] = new Array(es.length);
    // Fresh objects: the inputs may belong to a message we must not modify.
    for (let i = 0; i < es.length; i++) {
      ents[i] = {
        term: this.term,
        index: li + 1 + i,
        type: es[i].type,
        data: es[i].data,
      };
    }
    const last = this.raftLog.append(ents);
    this.prs.progress.get(this.id)?.maybeUpdate(last);
    // A single-voter cluster commits right away.
    this.maybeCommit();
  }

  /** Advances the commit index to what a quorum holds, if that entry is of our term. */
  private maybeCommit(): boolean {
    if (!this.raftLog.maybeCommit(this.prs.committed(), this.term)) {
      return false;
    }
    if (this.state === "leader" && this.pendingReadIndexMessages.length !== 0) {
      this.releasePendingReadIndexMessages();
    }
    return true;
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.raftLog.termOrZero(this.raftLog.committed) === this.term;
  }

  private releasePendingReadIndexMessages(): void {
    if (!this.committedEntryInCurrentTerm()) return;
    const msgs = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of msgs) this.confirmReadIndex(m);
  }

  private handleReadIndexAsLeader(m: Message): void {
    if (this.prs.isSingleton() && this.prs.isVoter(this.id)) {
      this.respondReadIndex(m, this.raftLog.committed);
      return;
    }
    // Our commit index may lag the true one until an entry of our term commits.
    if (!this.committedEntryInCurrentTerm()) {
      this.pendingReadIndexMessages.push(m);
      return;
    }
    this.confirmReadIndex(m);
  }

  /** Records the commit index for the request and confirms leadership with a heartbeat round. */
  private confirmReadIndex(m: Message): void {
    if (this.prs.isSingleton() && this.prs.isVoter(this.id)) {
      this.respondReadIndex(m, this.raftLog.committed);
      return;
    }
    const ctx = m.context ?? "";
    this.readOnly.addRequest(this.raftLog.committed, m);
    this.readOnly.recvAck(this.id, ctx);
    for (const id of this.prs.ids()) {
      if (id !== this.id) this.sendHeartbeat(id, ctx);
    }
  }

  private respondReadIndex(req: Message, index: number): void {
    const ctx = req.context ?? "";
    if (this.isLocalRequest(req)) {
      this.readStates.push({ index, requestCtx: ctx });
    } else {
      this.send({
        type: "readIndexResp",
        to: req.from,
        from: NONE,
        term: 0,
        index,
        context: ctx,
      });
    }
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    const index = m.index ?? 0;
    if (m.reject) {
      // Fast backtracking: the follower says where its log might match ours.
      let nextProbeIdx = m.rejectHint ?? 0;
      if ((m.logTerm ?? 0) > 0) {
        nextProbeIdx = this.raftLog.findConflictByTerm(
          nextProbeIdx,
          m.logTerm!,
        );
      }
      if (pr.maybeDecrTo(index, nextProbeIdx)) {
        this.logger.debug(
          `${this.id} decreased progress of ${m.from} to [${pr}]`,
        );
        if (pr.state === "replicate") pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    if (index > this.raftLog.lastIndex()) {
      // We never sent that far: a confused or forged response. Ignore it rather than trust it.
      this.logger.warn(
        `${this.id} ignored appResp from ${m.from} for index ${index} beyond our last index`,
      );
      return;
    }
    const oldPaused = pr.isPaused();
    if (!pr.maybeUpdate(index)) return;
    if (pr.state === "probe") {
      pr.becomeReplicate();
    } else if (
      pr.state === "snapshot" &&
      (pr.match >= pr.pendingSnapshot ||
        pr.match + 1 >= this.raftLog.firstIndex())
    ) {
      // The follower caught up past the snapshot: plain appends work again.
      this.logger.debug(
        `${this.id} recovered from needing snapshot, resumed sending replication messages to ${m.from}`,
      );
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === "replicate") {
      pr.inflights.freeLE(index);
    }
    if (this.maybeCommit()) {
      this.bcastAppend();
    } else if (oldPaused) {
      // It was paused and now isn't: it may need entries it missed.
      this.sendAppend(m.from);
    }
    while (this.maybeSendAppend(m.from, false)) { /* fill the pipeline */ }
    if (
      m.from === this.leadTransferee && pr.match === this.raftLog.lastIndex()
    ) {
      this.logger.info(
        `${this.id} sent timeoutNow to ${m.from} after it caught up`,
      );
      this.sendTimeoutNow(m.from);
    }
  }

  private handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.probeSent = false;
    // The follower is alive: make room for at least one more append.
    if (pr.state === "replicate" && pr.inflights.full()) {
      pr.inflights.freeFirstOne();
    }
    if (pr.match < this.raftLog.lastIndex()) this.sendAppend(m.from);
    if (m.context === undefined) return;
    const acks = this.readOnly.recvAck(m.from, m.context);
    if (!acks || !this.prs.hasQuorum(acks)) return;
    for (const rs of this.readOnly.advance(m.context)) {
      this.respondReadIndex(rs.req, rs.index);
    }
  }

  private handleTransferLeader(m: Message, pr: Progress): void {
    if (pr.isLearner) {
      this.logger.debug(
        `${this.id} is learner. Ignored transferring leadership`,
      );
      return;
    }
    const transferee = m.from;
    const last = this.leadTransferee;
    if (last !== NONE) {
      if (last === transferee) return; // already in progress
      this.abortLeaderTransfer();
    }
    if (transferee === this.id) return; // already leader
    // The transfer must finish within one election timeout.
    this.electionElapsed = 0;
    this.leadTransferee = transferee;
    this.logger.info(
      `${this.id} [term ${this.term}] starts to transfer leadership to ${transferee}`,
    );
    if (pr.match === this.raftLog.lastIndex()) this.sendTimeoutNow(transferee);
    else this.sendAppend(transferee);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send({ type: "timeoutNow", to, from: NONE, term: 0 });
  }

  private stepCandidate(m: Message): void {
    const myVoteResp = this.state === "preCandidate"
      ? "preVoteResp"
      : "voteResp";
    switch (m.type) {
      case "prop":
        throw new ProposalDroppedError("no leader");
      case "app":
        this.becomeFollower(m.term, m.from); // always m.term === this.term
        this.handleAppendEntries(m);
        return;
      case "heartbeat":
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case "snap":
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case "readIndex":
        if (this.isLocalRequest(m)) throw new ProposalDroppedError("no leader");
        return;
      case "preVoteResp":
      case "voteResp": {
        if (m.type !== myVoteResp) return;
        const result = this.poll(m.from, m.type, !m.reject);
        if (result === "won") {
          if (this.state === "preCandidate") {
            this.campaign("election");
          } else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (result === "lost") {
          // A pre-vote rejection at a newer term already made us a follower in Step.
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
      case "timeoutNow":
        this.logger.debug(
          `${this.id} ignored timeoutNow from ${m.from}: not a follower`,
        );
        return;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case "prop":
        if (this.lead === NONE) throw new ProposalDroppedError("no leader");
        if (this.disableProposalForwarding) {
          throw new ProposalDroppedError("proposal forwarding is disabled");
        }
        this.send({
          type: "prop",
          to: this.lead,
          from: m.from,
          term: 0,
          entries: m.entries,
        });
        return;
      case "app":
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return;
      case "heartbeat":
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case "snap":
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case "transferLeader":
        if (this.lead === NONE) {
          this.logger.info(
            `${this.id} no leader at term ${this.term}; dropping leader transfer msg`,
          );
          return;
        }
        this.send({
          type: "transferLeader",
          to: this.lead,
          from: m.from,
          term: 0,
        });
        return;
      case "timeoutNow":
        // The leader hands over to us: campaign now, without pre-vote, forcing past leases.
        this.logger.info(
          `${this.id} [term ${this.term}] received timeoutNow from ${m.from}; starting election`,
        );
        if (this.promotable() && !this.hasUnappliedConfChanges()) {
          this.campaign("transfer");
        }
        return;
      case "readIndex":
        if (this.lead === NONE) {
          if (this.isLocalRequest(m)) {
            throw new ProposalDroppedError("no leader");
          }
          return;
        }
        this.send({
          type: "readIndex",
          to: this.lead,
          from: m.from,
          term: 0,
          context: m.context ?? "",
        });
        return;
      case "readIndexResp":
        this.readStates.push({
          index: m.index ?? 0,
          requestCtx: m.context ?? "",
        });
        return;
    }
  }

  private handleAppendEntries(m: Message): void {
    const index = m.index ?? 0;
    if (index < this.raftLog.committed) {
      // Old news: tell the leader where we are.
      this.send({
        type: "appResp",
        to: m.from,
        from: NONE,
        term: 0,
        index: this.raftLog.committed,
      });
      return;
    }
    const lastNew = this.raftLog.maybeAppend(
      index,
      m.logTerm ?? 0,
      m.commit ?? 0,
      m.entries ?? [],
    );
    if (lastNew >= 0) {
      this.send({
        type: "appResp",
        to: m.from,
        from: NONE,
        term: 0,
        index: lastNew,
      });
      return;
    }
    // Consistency check failed. Hint the largest index that might still match:
    // at most our last index, and skipping entries whose term is newer than
    // the leader's entry at `index` (they cannot match either).
    let hintIndex = Math.min(index, this.raftLog.lastIndex());
    hintIndex = this.raftLog.findConflictByTerm(hintIndex, m.logTerm ?? 0);
    const hintTerm = this.raftLog.termOrZero(hintIndex);
    this.logger.debug(
      `${this.id} [logterm: ${
        this.raftLog.termOrZero(index)
      }, index: ${index}] rejected app [logterm: ${m.logTerm}, index: ${index}] from ${m.from}`,
    );
    this.send({
      type: "appResp",
      to: m.from,
      from: NONE,
      term: 0,
      index,
      reject: true,
      rejectHint: hintIndex,
      logTerm: hintTerm,
    });
  }

  private handleHeartbeat(m: Message): void {
    this.raftLog.commitTo(m.commit ?? 0);
    const resp: Message = {
      type: "heartbeatResp",
      to: m.from,
      from: NONE,
      term: 0,
    };
    if (m.context !== undefined) resp.context = m.context;
    this.send(resp);
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot!;
    if (this.restore(s)) {
      this.logger.info(
        `${this.id} [commit: ${this.raftLog.committed}] restored snapshot [index: ${s.metadata.index}, term: ${s.metadata.term}]`,
      );
      this.send({
        type: "appResp",
        to: m.from,
        from: NONE,
        term: 0,
        index: this.raftLog.lastIndex(),
      });
    } else {
      this.logger.info(
        `${this.id} [commit: ${this.raftLog.committed}] ignored snapshot [index: ${s.metadata.index}, term: ${s.metadata.term}]`,
      );
      this.send({
        type: "appResp",
        to: m.from,
        from: NONE,
        term: 0,
        index: this.raftLog.committed,
      });
    }
  }

  /** Installs a snapshot from the leader. Returns false when it was unnecessary or unusable. */
  private restore(s: Snapshot): boolean {
    if (s.metadata.index <= this.raftLog.committed) return false;
    if (this.state !== "follower") {
      this.logger.warn(
        `${this.id} attempted to restore snapshot as ${this.state}; ignored`,
      );
      return false;
    }
    const cs = s.metadata.confState;
    if (
      !cs.voters.includes(this.id) && !(cs.learners ?? []).includes(this.id)
    ) {
      // A snapshot from before we were added (or after we were removed): useless to us.
      this.logger.warn(
        `${this.id} attempted to restore snapshot but it is not in the ConfState; ignored`,
      );
      return false;
    }
    if (this.raftLog.matchTerm(s.metadata.index, s.metadata.term)) {
      // We already hold the entries it covers: just fast-forward the commit index.
      this.raftLog.commitTo(s.metadata.index);
      return false;
    }
    this.raftLog.restore(s);
    this.loadConfState(cs);
    return true;
  }

  // ---- membership ----

  /** Applies a committed conf change to the configuration. Returns the new configuration. */
  applyConfChange(cc: ConfChange): ConfState {
    const next = this.raftLog.lastIndex() + 1;
    switch (cc.type) {
      case "addNode":
        this.prs.addVoter(cc.nodeId, next);
        break;
      case "addLearner":
        this.prs.addLearner(cc.nodeId, next);
        break;
      case "removeNode":
        this.prs.remove(cc.nodeId);
        break;
      case "updateNode":
        // Only the application's view of the member changes (e.g. its URLs).
        break;
    }
    return this.switchToConfig();
  }

  private switchToConfig(): ConfState {
    const cs = this.prs.confState();
    const self = this.prs.progress.get(this.id);
    this.isLearner = self?.isLearner ?? false;
    if (this.state !== "leader") return cs;
    if (!self || self.isLearner) {
      this.stepDownAfterRemoval();
      return cs;
    }
    if (this.prs.voters.size === 0) return cs;
    // The quorum may have shrunk (commit may advance); new members need probing.
    this.maybeCommit();
    this.bcastAppend();
    if (
      this.leadTransferee !== NONE && !this.prs.voters.has(this.leadTransferee)
    ) this.abortLeaderTransfer();
    return cs;
  }

  /**
   * The leader is no longer a voter. Hand leadership to the most caught-up
   * voter if it holds our whole log (it campaigns at once), then step down.
   */
  private stepDownAfterRemoval(): void {
    let best = NONE;
    let bestMatch = -1;
    for (const id of this.prs.voterIds()) {
      const pr = this.prs.progress.get(id)!;
      if (pr.match > bestMatch) {
        best = id;
        bestMatch = pr.match;
      }
    }
    if (best !== NONE && bestMatch === this.raftLog.lastIndex()) {
      this.logger.info(
        `${this.id} was removed from the configuration; handing leadership to ${best}`,
      );
      this.sendTimeoutNow(best);
    } else {
      this.logger.info(
        `${this.id} was removed from the configuration; stepping down`,
      );
    }
    this.becomeFollower(this.term, NONE);
  }
}
