// Raft's safety properties, checked incrementally after every step of the
// simulation:
//   election safety      at most one leader per term
//   log matching         same (index, term) => same entry and same history before it
//   leader completeness  an entry committed in term t is in every leader's log for terms > t
//   state machine safety no two members apply different entries at an index
//   durability           what a member reported committed is still in its log after a restart
//   linearizable reads   a read index covers everything committed before the read began

import type {
  Entry,
  NodeId,
  ReadState,
  Snapshot,
} from "../../../server/raft/types.ts";
import type { SimNode } from "./node.ts";

export type Invariant =
  | "election safety"
  | "log matching"
  | "leader completeness"
  | "state machine safety"
  | "durability"
  | "linearizable read"
  | "liveness"
  | "raft error";

export class InvariantViolation extends Error {
  constructor(readonly invariant: Invariant, detail: string) {
    super(`${invariant} violated: ${detail}`);
    this.name = "InvariantViolation";
  }
}

interface LogRecord {
  data: string;
  type: string;
  prevTerm: number;
}

const TERM_BITS = 2 ** 24;

export class Checker {
  /** term -> leader */
  private readonly leaders = new Map<number, NodeId>();
  /** (index, term) -> the entry seen there first */
  private readonly logRegistry = new Map<number, LogRecord>();
  /** committedTerm[i]: term of the committed entry at index i; commitTerm[i]: the term in which it was first seen committed. */
  private readonly committedTerm: number[] = [0];
  private readonly commitTerm: number[] = [0];
  commitMax = 0;
  /** appliedHash[i]: the state machine hash after applying index i. */
  private readonly appliedHash: number[] = [0];
  /** Per node incarnation: the commit index already checked, and the last term we checked it as leader. */
  private readonly observedCommit = new Map<string, number>();
  private readonly checkedLeaderTerm = new Map<NodeId, number>();
  /** Outstanding reads: ctx -> commit index when the read started. */
  private readonly reads = new Map<string, number>();
  readsAnswered = 0;
  elections = 0;

  private fail(inv: Invariant, detail: string): never {
    throw new InvariantViolation(inv, detail);
  }

  /** After anything changed node n's raft state: a tick, a step, a restart. */
  afterStep(n: SimNode): void {
    const r = n.rawNode!.raft;
    if (r.state === "leader") {
      const prev = this.leaders.get(r.term);
      if (prev === undefined) {
        this.leaders.set(r.term, n.id);
        this.elections++;
      } else if (prev !== n.id) {
        this.fail(
          "election safety",
          `both ${prev} and ${n.id} are leaders of term ${r.term}`,
        );
      }
      if (this.checkedLeaderTerm.get(n.id) !== r.term) {
        this.checkedLeaderTerm.set(n.id, r.term);
        this.checkLeaderCompleteness(n);
      }
    }
    const key = `${n.id}#${n.incarnation}`;
    const seen = this.observedCommit.get(key) ?? r.raftLog.firstIndex() - 1;
    if (r.raftLog.committed > seen) {
      this.observeCommit(n, seen, r.raftLog.committed);
      this.observedCommit.set(key, r.raftLog.committed);
    }
  }

  /** Entries (lo, hi] are committed in n's log: record them, or check them against what is recorded. */
  private observeCommit(n: SimNode, lo: number, hi: number): void {
    const log = n.rawNode!.raft.raftLog;
    const term = n.rawNode!.raft.term;
    const first = log.firstIndex();
    for (let i = lo + 1; i <= hi; i++) {
      if (i < first - 1) continue; // inside a snapshot: covered by the snapshot checks
      const t = log.term(i);
      if (i <= this.commitMax) {
        if (this.committedTerm[i] !== t) {
          this.fail(
            "durability",
            `${n.id} has index ${i} at term ${t} committed, but the entry committed there has term ${
              this.committedTerm[i]
            }`,
          );
        }
        if (term < this.commitTerm[i]) this.commitTerm[i] = term;
      } else {
        if (i !== this.commitMax + 1) {
          // Can only happen if n learned a commit past a gap nobody else reported (e.g. via a snapshot).
          this.fail(
            "durability",
            `${n.id} committed index ${i} while the highest known commit was ${this.commitMax}`,
          );
        }
        this.committedTerm[i] = t;
        this.commitTerm[i] = term;
        this.commitMax = i;
      }
    }
  }

  /** A new leader of term T must hold every entry committed in an earlier term. */
  private checkLeaderCompleteness(n: SimNode): void {
    const r = n.rawNode!.raft;
    const log = r.raftLog;
    const snapIndex = log.firstIndex() - 1;
    for (let i = Math.max(1, snapIndex); i <= this.commitMax; i++) {
      if (this.commitTerm[i] >= r.term) continue;
      if (i > log.lastIndex()) {
        this.fail(
          "leader completeness",
          `${n.id} became leader of term ${r.term} with last index ${log.lastIndex()}, missing committed index ${i}`,
        );
      }
      const t = log.term(i);
      if (t !== this.committedTerm[i]) {
        this.fail(
          "leader completeness",
          `${n.id} became leader of term ${r.term} with term ${t} at index ${i}, where term ${
            this.committedTerm[i]
          } was committed`,
        );
      }
    }
  }

  /** Entries about to be persisted by n (from a Ready): check and record them. */
  onEntries(n: SimNode, ents: Entry[]): void {
    if (ents.length === 0) return;
    const log = n.rawNode!.raft.raftLog;
    let prevTerm = log.termOrZero(ents[0].index - 1);
    for (const e of ents) {
      const key = e.index * TERM_BITS + e.term;
      const rec = this.logRegistry.get(key);
      if (!rec) {
        this.logRegistry.set(key, { data: e.data, type: e.type, prevTerm });
      } else if (
        rec.data !== e.data || rec.type !== e.type ||
        (prevTerm !== 0 && rec.prevTerm !== 0 && rec.prevTerm !== prevTerm)
      ) {
        this.fail(
          "log matching",
          `${n.id} holds (index ${e.index}, term ${e.term}) = ${
            JSON.stringify(e.data)
          } after term ${prevTerm}, ` +
            `elsewhere it is ${
              JSON.stringify(rec.data)
            } after term ${rec.prevTerm}`,
        );
      }
      prevTerm = e.term;
    }
  }

  onApply(n: SimNode, e: Entry, hashAfter: number, prevApplied: number): void {
    if (e.index !== prevApplied + 1) {
      this.fail(
        "state machine safety",
        `${n.id} applied index ${e.index} right after ${prevApplied}`,
      );
    }
    if (e.index > this.commitMax || this.committedTerm[e.index] !== e.term) {
      this.fail(
        "state machine safety",
        `${n.id} applied (index ${e.index}, term ${e.term}) which is not the committed entry`,
      );
    }
    this.recordHash(n, e.index, hashAfter);
  }

  onSnapshot(n: SimNode, s: Snapshot, hash: number): void {
    const i = s.metadata.index;
    if (i <= this.commitMax && this.committedTerm[i] !== s.metadata.term) {
      this.fail(
        "state machine safety",
        `${n.id} installed a snapshot at (${i}, ${s.metadata.term}), committed term is ${
          this.committedTerm[i]
        }`,
      );
    }
    this.recordHash(n, i, hash);
  }

  private recordHash(n: SimNode, index: number, hash: number): void {
    const known = this.appliedHash[index];
    if (known === undefined) this.appliedHash[index] = hash;
    else if (known !== hash) {
      this.fail(
        "state machine safety",
        `${n.id} reached a different state at index ${index}`,
      );
    }
  }

  /** The hash every member must have after applying up to index, if known. */
  hashAt(index: number): number | undefined {
    return this.appliedHash[index];
  }

  startRead(ctx: string): void {
    this.reads.set(ctx, this.commitMax);
  }

  onReadState(n: SimNode, rs: ReadState): void {
    const atStart = this.reads.get(rs.requestCtx);
    if (atStart === undefined) {
      this.fail(
        "linearizable read",
        `${n.id} got an answer to unknown read ${rs.requestCtx}`,
      );
    }
    if (rs.index < atStart) {
      this.fail(
        "linearizable read",
        `read ${rs.requestCtx} got index ${rs.index}, but ${atStart} was committed before it began`,
      );
    }
    // Kept: a duplicated request or response may legitimately be answered again.
    this.readsAnswered++;
  }

  /** A committed entry's term (for liveness checks of proposals). */
  committedAt(index: number): number | undefined {
    return index <= this.commitMax ? this.committedTerm[index] : undefined;
  }
}
