// Drives the pure Raft core with real time, disk and network: ticks on a
// timer, and for every Ready persists entries and hard state to the WAL
// (fsync; everything that arrived meanwhile goes into the next Ready, which
// is group commit), then sends messages (a leader sends first), then applies
// committed entries.

import {
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  MemoryStorage,
  RawNode,
  type Ready,
  type ReadState,
  type Snapshot,
  type SoftState,
  seededRandom,
} from "../raft/mod.ts";
import type { Recovered, Wal } from "../storage/mod.ts";
import type { Logger } from "../log.ts";
import { metrics } from "../metrics.ts";
import { soleClient } from "../runtime/client_load.ts";

export interface RaftNodeHooks {
  /** Sends messages to peers (fire and forget; raft retries). */
  send(msgs: Message[]): void;
  /** Applies committed entries in order; must be synchronous. */
  apply(entries: Entry[]): void;
  /** Replaces the state machine with a snapshot received from the leader. */
  restore(snap: Snapshot): void;
  onSoftState(ss: SoftState): void;
  onReadStates(rs: ReadState[]): void;
  /** Persisting failed: the member cannot go on safely. */
  onFatal(err: Error): void;
}

export interface RaftNodeOptions {
  id: string;
  /** Founding voters of a brand-new cluster (empty storage only). */
  peers?: string[];
  tickMs: number;
  electionTick: number;
  wal: Wal;
  recovered?: Recovered;
  logger: Logger;
  hooks: RaftNodeHooks;
}

/** The WAL snapshot record's meta holds the raft conf state. */
export interface SnapshotMeta {
  confState: ConfState;
}

/**
 * Raft asks its storage for a snapshot only to send one to a follower that
 * is too far behind. The stored one may predate members added since (the
 * follower would refuse it), so hand out a fresh image of the applied state.
 * The stored snapshot keeps its metadata only: its data (the whole store,
 * about 9 MB at 100k keys) is on disk, and held here it was never read.
 */
class LiveSnapshotStorage extends MemoryStorage {
  fresh: (() => Snapshot) | null = null;

  override snapshot(): Snapshot {
    return this.fresh?.() ?? super.snapshot();
  }

  /** The stored snapshot's metadata (its data is not kept), without making a fresh one. */
  getSnapshotUnchecked(): Snapshot {
    return super.snapshot();
  }

  override applySnapshot(s: Snapshot): void {
    super.applySnapshot({ metadata: s.metadata, data: "" });
  }

  /** Records the snapshot's metadata; the one returned carries `data`. */
  override createSnapshot(index: number, cs: ConfState | undefined, data: string): Snapshot {
    return { metadata: super.createSnapshot(index, cs, "").metadata, data };
  }
}

export class RaftNode {
  readonly storage = new LiveSnapshotStorage();
  readonly rn: RawNode;
  private timer: ReturnType<typeof setInterval> | undefined;
  private processing = false;
  private again = false;
  private stopped = false;
  /** A hard state whose only change was the commit index, not yet written. */
  private lazyHardState: HardState | undefined;
  /** Index of the last committed entry handed to hooks.apply. */
  private handedIndex = 0;
  /** A Ready's entries (no snapshot) are being written: its successor waits for them. */
  private persisting = false;

  private readonly opts: RaftNodeOptions;

  constructor(opts: RaftNodeOptions) {
    // The recovered image (snapshot data, replayed entries) is not kept past
    // here: the closures below reach options through this.opts, not `opts`.
    this.opts = { ...opts, recovered: undefined };
    const rec = opts.recovered;
    let applied = 0;
    if (rec?.snapshot) {
      const meta = JSON.parse(rec.snapshot.meta) as SnapshotMeta;
      this.storage.applySnapshot({
        metadata: { index: rec.snapshot.index, term: rec.snapshot.term, confState: meta.confState },
        data: rec.snapshot.data,
      });
      applied = rec.snapshot.index;
    }
    if (rec?.hardState) this.storage.setHardState(rec.hardState);
    if (rec?.entries.length) this.storage.append(rec.entries);
    // With one client and no other member, nothing else needs the loop during a sync.
    // With peers, their messages (acks, forwarded proposals) must not wait on the disk.
    opts.wal.syncOnLoop = () => this.loneVoter() && soleClient();
    this.rn = new RawNode({
      id: opts.id,
      peers: opts.peers,
      electionTick: opts.electionTick,
      heartbeatTick: 1,
      storage: this.storage,
      applied,
      checkQuorum: true,
      preVote: true,
      maxSizePerMsg: 1024 * 1024,
      maxInflightMsgs: 256,
      random: seededRandom(hashSeed(opts.id) ^ (Date.now() & 0x7fffffff)),
      logger: {
        debug: (m) => this.opts.logger.debug(`raft: ${m}`),
        info: (m) => this.opts.logger.debug(`raft: ${m}`),
        warn: (m) => this.opts.logger.warn(`raft: ${m}`),
      },
    });
  }

  /** Lets the state machine supply an up-to-date snapshot when raft needs one to send (it may throw SnapshotTemporarilyUnavailableError). */
  setSnapshotSource(fn: () => Snapshot): void {
    this.storage.fresh = fn;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.rn.tick();
      this.kick();
    }, this.opts.tickMs);
    this.kick();
  }

  /** Stops ticking, waits for the Ready in progress, and writes a pending commit index (a clean restart starts where it stopped). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    while (this.processing) await new Promise((r) => setTimeout(r, 2));
    if (this.lazyHardState) {
      await this.opts.wal.append([], this.lazyHardState);
      this.lazyHardState = undefined;
    }
  }

  propose(data: string): void {
    this.rn.propose(data);
    this.kick();
  }

  proposeConfChange(cc: ConfChange): void {
    this.rn.proposeConfChange(cc);
    this.kick();
  }

  readIndex(ctx: string): void {
    this.rn.readIndex(ctx);
    this.kick();
  }

  step(m: Message): void {
    this.rn.step(m);
    if (this.persisting) this.applyCommittedEarly();
    this.kick();
  }

  campaign(): void {
    this.rn.campaign();
    this.kick();
  }

  transferLeadership(to: string): void {
    this.rn.transferLeadership(to);
    this.kick();
  }

  reportUnreachable(id: string): void {
    this.rn.reportUnreachable(id);
  }

  /** `id` refuses connections: if it is our leader, elect another soon (raft's leaderGone). */
  leaderGone(id: string): void {
    this.rn.leaderGone(id);
    this.kick();
  }

  reportSnapshot(id: string, ok: boolean): void {
    this.rn.reportSnapshot(id, ok ? "finish" : "failure");
    this.kick();
  }

  private loneVoter(): boolean {
    const prs = this.rn.raft.prs;
    return prs.isSingleton() && prs.isVoter(this.opts.id);
  }

  /** Schedules a pass over Ready; passes never overlap. */
  kick(): void {
    if (this.processing) {
      this.again = true;
      return;
    }
    this.processing = true;
    queueMicrotask(() => void this.process());
  }

  private async process(): Promise<void> {
    try {
      do {
        this.again = false;
        let rd = this.nextReady();
        let persisted = rd && this.persist(rd);
        if (rd) this.applyDurable(rd);
        // Once stopped, the Ready in flight still completes; no new one starts.
        while (rd) {
          await persisted;
          const done = rd;
          this.afterPersist(done);
          // Pipelining: the next Ready's writes start before this one's
          // entries are applied and their clients answered, so the disk
          // works while the CPU does (etcd applies on another goroutine).
          // A snapshot to install waits until everything before it is applied.
          rd = this.nextReady();
          if (rd?.snapshot) {
            this.finish(done);
            persisted = this.persist(rd);
          } else {
            persisted = rd && this.persist(rd);
            this.finish(done);
            if (rd) this.applyDurable(rd);
          }
        }
      } while (this.again && !this.stopped);
    } catch (err) {
      this.stopped = true;
      clearInterval(this.timer);
      this.opts.hooks.onFatal(err as Error);
    } finally {
      this.processing = false;
    }
  }

  private nextReady(): Ready | undefined {
    if (this.stopped || !this.rn.hasReady()) return undefined;
    const rd = this.rn.ready();
    // A leader may send its appends while it writes them itself (raft
    // thesis §10.2.1; etcd does the same): it counts itself towards a quorum
    // only for entries it appended, and followers fsync in parallel, so a
    // write costs one fsync on the critical path, not two. Everyone else
    // must persist first (votes and append acknowledgements promise
    // durability).
    if (this.rn.raft.state === "leader" && rd.messages.length > 0) {
      this.opts.hooks.send(rd.messages);
      rd.messages = [];
    }
    return rd;
  }

  /** Makes the Ready's snapshot, entries and hard state durable. */
  private async persist(rd: Ready): Promise<void> {
    if (rd.snapshot) return this.persistNow(rd);
    this.persisting = true;
    try {
      await this.persistNow(rd);
    } finally {
      this.persisting = false;
    }
  }

  private async persistNow(rd: Ready): Promise<void> {
    const { wal, hooks } = this.opts;
    if (rd.snapshot && rd.snapshot.metadata.index > 0) {
      const s = rd.snapshot;
      await wal.saveSnapshot({
        index: s.metadata.index,
        term: s.metadata.term,
        meta: JSON.stringify({ confState: s.metadata.confState } satisfies SnapshotMeta),
        data: s.data,
      });
      this.storage.applySnapshot(s);
      hooks.restore(s);
    }
    if (rd.entries.length === 0 && rd.hardState && !rd.mustSync) {
      // Only the commit index moved: nothing to fsync for (a lower commit
      // after a crash is safe; raft re-learns it). It rides along with the
      // next write that must be durable anyway.
      this.lazyHardState = rd.hardState;
    } else if (rd.entries.length > 0 || rd.hardState) {
      const started = performance.now();
      await wal.append(rd.entries, rd.hardState ?? this.lazyHardState);
      this.lazyHardState = undefined;
      const took = performance.now() - started;
      metrics.fsync.observe(took / 1000);
      if (took > 1000) this.opts.logger.warn(`slow fdatasync: appending ${rd.entries.length} entries took ${took.toFixed(0)} ms`);
    }
  }

  /** The Ready is durable: raft's storage learns it, messages go out, raft moves on. */
  private afterPersist(rd: Ready): void {
    if (rd.hardState) this.storage.setHardState(rd.hardState);
    if (rd.entries.length > 0) this.storage.append(rd.entries);
    if (rd.messages.length > 0) this.opts.hooks.send(rd.messages);
    this.rn.advance(rd);
  }

  /**
   * Applies the Ready's committed entries that are already durable here,
   * while its own entries are still being written. A leader learns of a
   * commit from acks that arrive during one write; waiting for the next
   * write too would put two fsyncs on every replicated write's path.
   * Committed entries are never overwritten, so applying them early is safe;
   * applied never passes the stable log (snapshots rely on that).
   */
  private applyDurable(rd: Ready): void {
    const stableLast = this.stableLast();
    const ents = rd.committedEntries;
    let n = 0;
    while (n < ents.length && ents[n].index <= stableLast) n++;
    if (n > 0) this.applyUpTo(ents, n);
  }

  /**
   * The last index durable here that is still the log's: storage can hold
   * entries that a new leader's append has replaced (they are overwritten
   * when the write in flight lands), and a snapshot being installed
   * replaces everything.
   */
  private stableLast(): number {
    const unstable = this.rn.raft.raftLog.unstable;
    if (unstable.snapshot) return 0;
    return Math.min(this.storage.lastIndex(), unstable.offset - 1);
  }

  /**
   * A step moved the commit index while a write is in flight (acks for the
   * previous Ready came in during this one's fdatasync): applies what is
   * committed and already durable here now, instead of after the write
   * (the next Ready). Without it a write waits about one extra fdatasync
   * whenever its acks are slower than the leader's own disk.
   */
  private applyCommittedEarly(): void {
    const hi = Math.min(this.rn.raft.raftLog.committed, this.stableLast());
    const lo = this.handedIndex + 1;
    if (hi < lo || lo < this.storage.firstIndex()) return;
    const ents = this.storage.entries(lo, hi + 1);
    this.applyUpTo(ents, ents.length);
  }

  /** Applies the Ready's remaining committed entries and reports what changed. */
  private finish(rd: Ready): void {
    const { hooks } = this.opts;
    this.applyUpTo(rd.committedEntries, rd.committedEntries.length);
    if (rd.softState) hooks.onSoftState(rd.softState);
    if (rd.readStates.length > 0) hooks.onReadStates(rd.readStates);
  }

  /** Hands ents[0, n) to the state machine, skipping what applyDurable already did. */
  private applyUpTo(ents: Entry[], n: number): void {
    let from = 0;
    while (from < n && ents[from].index <= this.handedIndex) from++;
    if (from === n) return;
    this.handedIndex = ents[n - 1].index;
    this.opts.hooks.apply(from === 0 && n === ents.length ? ents : ents.slice(from, n));
  }
}

function hashSeed(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
