// What the leader knows about one follower's log, and how it sends to it:
// probe (one message at a time until the match point is found), replicate
// (optimistic pipelining limited by inflights) or snapshot (waiting for a
// snapshot to be installed).

import { Inflights } from "./inflights.ts";
import type { ProgressStateType } from "./types.ts";

export class Progress {
  /** Highest index known to be replicated on the follower. */
  match = 0;
  /** Next index to send. */
  next: number;
  state: ProgressStateType = "probe";
  /** In snapshot state: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** In probe state: a message was sent and we wait for an answer before the next. */
  probeSent = false;
  readonly inflights: Inflights;
  isLearner: boolean;

  constructor(next: number, maxInflight: number, isLearner: boolean) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
    this.isLearner = isLearner;
  }

  private resetState(state: ProgressStateType): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot, resume right after it: the follower has at least that much.
    if (this.state === "snapshot") {
      const pendingSnapshot = this.pendingSnapshot;
      this.resetState("probe");
      this.next = Math.max(this.match + 1, pendingSnapshot + 1);
    } else {
      this.resetState("probe");
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState("replicate");
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState("snapshot");
    this.pendingSnapshot = snapshotIndex;
  }

  /** An append up to n was acknowledged. Returns false if that was old news. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /** Entries up to n were sent (replicate state pipelines without waiting). */
  optimisticUpdate(n: number): void {
    this.next = n + 1;
  }

  /**
   * An append at index `rejected` was refused; matchHint is the follower's
   * suggestion of where the logs may match. Returns false for stale rejections.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      // Rejections of entries we already know match are stale.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // In probe state only the rejection of the latest probe matters.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), 1);
    this.probeSent = false;
    return true;
  }

  /** Whether sending appends to this follower must wait. */
  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.inflights.full();
      case "snapshot":
        return true;
    }
  }

  toString(): string {
    return `${this.state} match=${this.match} next=${this.next}` +
      (this.pendingSnapshot ? ` pendingSnap=${this.pendingSnapshot}` : "") +
      (this.probeSent ? " paused" : "") + (this.isLearner ? " learner" : "") +
      (this.state === "replicate" && this.inflights.full()
        ? " inflight-full"
        : "");
  }
}
