// The configuration (voters and learners), the progress of every member and
// the votes of the current election; and the quorum arithmetic over them.

import { Progress } from "./progress.ts";
import type { ConfState, NodeId } from "./types.ts";

export type VoteResult = "pending" | "won" | "lost";

export class ProgressTracker {
  readonly voters = new Set<NodeId>();
  readonly learners = new Set<NodeId>();
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();
  readonly maxInflight: number;
  /** Sorted member IDs, rebuilt when the configuration changes; iteration order is deterministic. */
  private sortedIds: NodeId[] = [];
  private sortedVoterIds: NodeId[] = [];
  private matchScratch: number[] = [];

  constructor(maxInflight: number) {
    this.maxInflight = maxInflight;
  }

  /** All members (voters and learners), sorted. */
  ids(): readonly NodeId[] {
    return this.sortedIds;
  }

  voterIds(): readonly NodeId[] {
    return this.sortedVoterIds;
  }

  isVoter(id: NodeId): boolean {
    return this.voters.has(id);
  }

  quorum(): number {
    return (this.voters.size >> 1) + 1;
  }

  /** Only one voter: the leader decides alone. */
  isSingleton(): boolean {
    return this.voters.size === 1;
  }

  /** Adds a voter, or promotes a learner. New members start probing at `next`. */
  addVoter(id: NodeId, next: number): void {
    const pr = this.progress.get(id);
    if (pr) {
      pr.isLearner = false;
    } else {
      const np = new Progress(next, this.maxInflight, false);
      // A new member counts as active so check-quorum does not trip right away.
      np.recentActive = true;
      this.progress.set(id, np);
    }
    this.learners.delete(id);
    this.voters.add(id);
    this.rebuild();
  }

  /** Adds a learner, or demotes a voter to a learner. */
  addLearner(id: NodeId, next: number): void {
    const pr = this.progress.get(id);
    if (pr) {
      pr.isLearner = true;
    } else {
      const np = new Progress(next, this.maxInflight, true);
      np.recentActive = true;
      this.progress.set(id, np);
    }
    this.voters.delete(id);
    this.learners.add(id);
    this.rebuild();
  }

  remove(id: NodeId): void {
    this.voters.delete(id);
    this.learners.delete(id);
    this.progress.delete(id);
    this.votes.delete(id);
    this.rebuild();
  }

  confState(): ConfState {
    return {
      voters: [...this.sortedVoterIds],
      learners: [...this.learners].sort(),
    };
  }

  /**
   * The highest index replicated on a quorum of voters: the quorum-th
   * largest match. This is the only place commit arithmetic happens.
   */
  committed(): number {
    const n = this.sortedVoterIds.length;
    if (n === 0) return 0;
    const m = this.matchScratch;
    m.length = n;
    for (let i = 0; i < n; i++) {
      m[i] = this.progress.get(this.sortedVoterIds[i])?.match ?? 0;
    }
    // Insertion sort, descending: n is tiny.
    for (let i = 1; i < n; i++) {
      const v = m[i];
      let j = i - 1;
      while (j >= 0 && m[j] < v) {
        m[j + 1] = m[j];
        j--;
      }
      m[j + 1] = v;
    }
    return m[this.quorum() - 1];
  }

  /** Whether a quorum of voters (counting `self`) was recently active. */
  quorumActive(self: NodeId): boolean {
    let active = 0;
    for (const id of this.sortedVoterIds) {
      if (id === self || this.progress.get(id)?.recentActive) active++;
    }
    return active >= this.quorum();
  }

  /** Whether the given set of acknowledgers contains a quorum of voters. */
  hasQuorum(acks: ReadonlySet<NodeId>): boolean {
    let n = 0;
    for (const id of this.sortedVoterIds) if (acks.has(id)) n++;
    return n >= this.quorum();
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** Records a vote; only the first answer of each node in an election counts. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.sortedVoterIds) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    const q = this.quorum();
    const missing = this.sortedVoterIds.length - granted - rejected;
    const result: VoteResult = granted >= q
      ? "won"
      : granted + missing >= q
      ? "pending"
      : "lost";
    return { granted, rejected, result };
  }

  private rebuild(): void {
    this.sortedIds = [...this.progress.keys()].sort();
    this.sortedVoterIds = [...this.voters].sort();
  }
}
