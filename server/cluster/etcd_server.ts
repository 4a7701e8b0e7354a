// A running member: the keyspace, the member list, and the Raft log that
// feeds them. HTTP handlers talk to this class only. A single member is a
// one-voter Raft cluster, so the same code serves one member or five.

import { rm } from "node:fs/promises";
import type { StoreStats, V2Member } from "../../shared/api.ts";
import type { Config } from "../config/types.ts";
import type { Logger } from "../log.ts";
import {
  type ConfChange,
  type ConfState,
  decodeConfChange,
  type Entry,
  type Message,
  ProposalDroppedError,
  SnapshotTemporarilyUnavailableError,
  type ReadState,
  type Snapshot,
  type SoftState,
} from "../raft/mod.ts";
import { Utf8Builder, type Wal } from "../storage/mod.ts";
import { applyRequest, type V2Request } from "../store/apply.ts";
import { Code, EtcdError } from "../store/errors.ts";
import type { StoreEvent } from "../store/event.ts";
import { loadStore, saveStore, type StoreSnapshot, type TextSink, writeStoreJson } from "../store/snapshot.ts";
import { Store } from "../store/store.ts";
import { type BootPlan, bootstrap, type WalMetadata } from "./bootstrap.ts";
import { type Command, decodeCommand, encodeCommand } from "./command.ts";
import { computeMemberId } from "./ids.ts";
import { machineValue, Membership } from "./membership.ts";
import { RaftNode, type SnapshotMeta } from "./raft_node.ts";
import { TermHistory } from "./term_history.ts";
import { peerFetch } from "../runtime/tls.ts";
import { type Backup, makeBackup } from "./backup.ts";
import { Gauge, metrics } from "../metrics.ts";
import { Transport } from "./transport.ts";

/** What a conf change entry's context carries. */
interface ConfContext {
  i?: string;
  member?: V2Member;
}

/** The state machine image inside a raft snapshot. */
interface SnapshotData {
  store: StoreSnapshot;
  membership: ReturnType<Membership["toJSON"]>;
  seen?: string[];
}

interface Waiter {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  timer: ReturnType<typeof setTimeout>;
  /** Proposes the same request (same ID) again; set for proposals that are safe to repeat. */
  retry?: () => void;
}

/** Request IDs remembered so a re-proposed request applies once (part of the replicated state). */
const SEEN_IDS = 10_000;

/** Entries kept behind a snapshot so slow followers catch up without one. */
const CATCH_UP_ENTRIES = 5000;

/** Proposals remembered for apply at most; past that the map starts over. */
const MAX_PROPOSED_KEPT = 16384;

export class EtcdServer {
  readonly startTime = new Date();
  readonly terms = new TermHistory();
  store = new Store();
  membership: Membership;
  private raft!: RaftNode;
  private transport!: Transport;
  private waiters = new Map<string, Waiter>();
  private readWaiters = new Map<string, Waiter>();
  /** Linearizable reads waiting for the next read-index round. */
  private readQueue: { resolve: (index: number) => void; reject: (err: unknown) => void }[] = [];
  private readRoundRunning = false;
  private appliedWaiters: { index: number; resolve: () => void }[] = [];
  private seq = 0;
  private readonly bootNonce = Date.now().toString(36) + Math.floor(Math.random() * 1e9).toString(36);
  private soft: SoftState = { leader: "", state: "follower" };
  private appliedIndex = 0;
  private lastSnapshotIndex = 0;
  private snapshotting = false;
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;
  private expiryAt = 0;
  private syncInFlight = false;
  private published = false;
  private bootCommit = 0;
  private campaigned = false;
  private publishTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private removedMembers = new Set<string>();
  private held: (() => void)[] = [];
  private seen = new Set<string>();
  /**
   * Commands proposed here, by their entry data (the same string object
   * comes back in the entry): applying them skips parsing what was just
   * encoded, 3% of a write's CPU.
   */
  private proposed = new Map<string, Command>();
  private seenRing: (string | undefined)[] = new Array(SEEN_IDS);
  private seenPos = 0;
  leaderSince = new Date();
  counters = { recvAppend: 0, sendAppend: 0 };
  /** Called when this member learns it was removed from the cluster. */
  onRemoved: () => void = () => {};

  private constructor(
    readonly config: Config,
    readonly logger: Logger,
    private readonly wal: Wal,
    readonly meta: WalMetadata,
  ) {
    this.membership = new Membership(meta.clusterId);
  }

  get name(): string {
    return this.config.name;
  }

  get memberId(): string {
    return this.meta.memberId;
  }

  get clusterId(): string {
    return this.membership.clusterId;
  }

  /** Commit index (X-Raft-Index). */
  get raftIndex(): number {
    return this.raft.rn.raft.raftLog.committed;
  }

  get raftTerm(): number {
    return this.raft.rn.raft.term;
  }

  get applied(): number {
    return this.appliedIndex;
  }

  get leaderId(): string {
    return this.soft.leader;
  }

  get isLeader(): boolean {
    return this.soft.state === "leader";
  }

  get raftState(): SoftState["state"] {
    return this.soft.state;
  }

  /** Opens (or creates) the data dir, joins or founds the cluster, replays, and starts raft. */
  static async start(config: Config, logger: Logger): Promise<EtcdServer> {
    if (config.force) {
      logger.warn(`-f given: discarding existing data in ${config.dataDir}`);
      await rm(config.dataDir, { recursive: true, force: true });
    }
    const plan: BootPlan = await bootstrap(config, logger);
    const server = new EtcdServer(config, logger, plan.wal, plan.meta);
    server.init(plan);
    return server;
  }

  private init(plan: BootPlan): void {
    this.bootCommit = plan.recovered?.hardState?.commit ?? 0;
    const snap = plan.recovered?.snapshot;
    if (snap) {
      this.restoreData(JSON.parse(snap.data) as SnapshotData);
      this.appliedIndex = this.lastSnapshotIndex = snap.index;
    }
    const tickMs = this.config.heartbeatIntervalMs;
    const electionTick = Math.max(2, Math.round(this.config.electionTimeoutMs / tickMs));
    this.transport = new Transport(this.memberId, {
      // Before the log has told us about a member, the address book we joined with does.
      peerUrl: (id) => (this.membership.get(id) ?? this.meta.initialMembers.find((m) => m.id === id))?.peerURLs[0],
      clusterId: () => this.clusterId,
      unreachable: (id) => this.raft.reportUnreachable(id),
      gone: (id) => this.raft.leaderGone(id),
      snapshotStatus: (id, ok) => this.raft.reportSnapshot(id, ok),
      removed: () => this.handleRemoved("a peer says this member was removed from the cluster"),
    }, this.logger);
    this.raft = new RaftNode({
      id: this.memberId,
      peers: plan.bootstrapPeers,
      tickMs,
      electionTick,
      wal: this.wal,
      recovered: plan.recovered ?? undefined,
      logger: this.logger,
      hooks: {
        send: (msgs) => this.send(msgs),
        apply: (entries) => this.applyEntries(entries),
        restore: (s) => this.restoreSnapshot(s),
        onSoftState: (ss) => this.softStateChanged(ss),
        onReadStates: (rs) => this.readStatesArrived(rs),
        onFatal: (err) => {
          this.logger.error(`stopping: cannot persist the raft log: ${err.message}`);
          this.fatal(err);
        },
      },
    });
    this.raft.setSnapshotSource(() => this.freshSnapshot());
    this.registerGauges();
    this.raft.start();
    this.schedulePublish(0);
  }

  private registerGauges(): void {
    const r = metrics.registry;
    r.add(new Gauge("etcd_server_has_leader", "Whether a leader exists: 1 yes, 0 no.", () => (this.soft.leader ? 1 : 0)));
    r.add(new Gauge("etcd_server_is_leader", "Whether this member is the leader: 1 yes, 0 no.", () => (this.isLeader ? 1 : 0)));
    r.add(new Gauge("etcd_server_term", "The current raft term.", () => this.raftTerm));
    r.add(new Gauge("etcd_server_proposals_committed_total", "The commit index.", () => this.raftIndex));
    r.add(new Gauge("etcd_server_proposals_applied_total", "The applied index.", () => this.appliedIndex));
    r.add(new Gauge("etcd_server_proposals_pending", "Proposals waiting to be applied.", () => this.waiters.size + this.held.length));
    r.add(new Gauge("etcd_store_watchers", "Watchers waiting on the keyspace.", () => this.store.hub.count));
    r.add(new Gauge("etcd_store_expires_total", "Keys expired by TTL.", () => this.store.stats.expireCount));
    r.add(new Gauge("etcd_cluster_members", "Members in the cluster.", () => this.membership.size));
    r.add(new Gauge("etcd_network_peer_reachable", "Whether each peer answered the last raft message: 1 yes, 0 no.", () =>
      this.membership.list().filter((m) => m.id !== this.memberId).map((m) => [{ To: m.id }, this.isReachable(m.id) ? 1 : 0])));
  }

  /** Set by member.ts: exits the process. */
  fatal: (err: Error) => void = () => {};

  // ---- client requests ----

  /** Proposes a v2 write and resolves with its event; rejects with the EtcdError etcd would give. */
  async do(r: V2Request): Promise<StoreEvent> {
    const result = await this.propose({ t: "v2", r });
    if (result instanceof EtcdError) throw result;
    return result as StoreEvent;
  }

  /** A linearizable read: confirm leadership (read index), wait until applied, then read locally. */
  async quorumGet(path: string, recursive: boolean, sorted: boolean): Promise<StoreEvent> {
    const index = await this.readIndex();
    await this.waitApplied(index);
    return this.store.get(path, recursive, sorted);
  }

  /** A consistent image of the keyspace: taken after a read barrier, so it holds every acknowledged write. */
  async backup(): Promise<Backup> {
    const index = await this.readIndex();
    await this.waitApplied(index);
    return makeBackup(saveStore(this.store), this.appliedIndex, this.clusterId);
  }

  members(): V2Member[] {
    return this.membership.list();
  }

  /**
   * The commit index as of some moment after the call, confirmed by a
   * quorum (raft's read index). Reads that arrive while a round is out share
   * the next round, as etcd's linearizable read loop does: 64 concurrent
   * quorum reads cost about two heartbeat rounds, not 64.
   */
  private readIndex(): Promise<number> {
    metrics.linearizableReads.inc();
    return new Promise((resolve, reject) => {
      this.readQueue.push({ resolve, reject });
      if (!this.readRoundRunning) void this.readRounds();
    });
  }

  private async readRounds(): Promise<void> {
    this.readRoundRunning = true;
    try {
      while (this.readQueue.length > 0) {
        const batch = this.readQueue;
        this.readQueue = [];
        const ctx = this.nextId();
        metrics.readIndexRounds.inc();
        try {
          const index = await this.wait<number>(this.readWaiters, ctx, () => this.raft.readIndex(ctx));
          for (const r of batch) r.resolve(index);
        } catch (err) {
          for (const r of batch) r.reject(err);
        }
      }
    } finally {
      this.readRoundRunning = false;
    }
  }

  leader(): V2Member | undefined {
    return this.soft.leader ? this.membership.get(this.soft.leader) : undefined;
  }

  storeStats(): StoreStats {
    return this.store.stats.toJSON(this.store.hub.count);
  }

  selfCounts(): { recvAppendRequestCnt: number; sendAppendRequestCnt: number; leaderSince: Date } {
    return { recvAppendRequestCnt: this.counters.recvAppend, sendAppendRequestCnt: this.counters.sendAppend, leaderSince: this.leaderSince };
  }

  /** Per-follower latency and counts (meaningful on the leader). */
  followerStats(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const stats = this.transport.stats();
    for (const m of this.membership.list()) {
      if (m.id === this.memberId) continue;
      out[m.id] = stats.get(m.id)?.toJSON() ?? {
        latency: { current: 0, average: 0, standardDeviation: 0, minimum: 0, maximum: 0 },
        counts: { fail: 0, success: 0 },
      };
    }
    return out;
  }

  /** Whether a member is reachable from here (this member always is). */
  isReachable(id: string): boolean {
    return id === this.memberId || this.transport.isActive(id);
  }

  /**
   * Healthy as etcd 3.4 means it: this member has published itself and a
   * linearizable read (a read-index round through the leader) succeeds within
   * a second. So a cluster that lost its quorum reports false.
   */
  async health(): Promise<boolean> {
    if (this.stopped || !this.published || this.soft.leader === "") return false;
    const ctx = this.nextId();
    const probe = this.wait<number>(this.readWaiters, ctx, () => this.raft.readIndex(ctx));
    const timeout = new Promise<false>((r) => setTimeout(() => r(false), 1000));
    try {
      return (await Promise.race([probe.then(() => true), timeout])) === true;
    } catch {
      return false;
    } finally {
      // A probe that lost the race must not linger until the request timeout.
      const w = this.readWaiters.get(ctx);
      if (w) {
        clearTimeout(w.timer);
        this.readWaiters.delete(ctx);
      }
    }
  }

  // ---- membership ----

  async addMember(peerURLs: string[], name = ""): Promise<V2Member> {
    for (const m of this.membership.list()) {
      if (m.peerURLs.some((u) => peerURLs.includes(u))) throw new MemberError(409, "membership: peerURL exists");
    }
    const id = computeMemberId(peerURLs, this.config.initialClusterToken, Math.floor(Date.now() / 1000));
    const member: V2Member = { id, name, peerURLs, clientURLs: [] };
    await this.proposeConf({ type: "addNode", nodeId: id }, member);
    return member;
  }

  async removeMember(id: string): Promise<void> {
    const m = this.membership.get(id);
    if (!m) throw new MemberError(404, `No such member: ${id}`);
    await this.proposeConf({ type: "removeNode", nodeId: id }, m);
  }

  async updateMember(id: string, peerURLs: string[]): Promise<void> {
    const m = this.membership.get(id);
    if (!m) throw new MemberError(404, `No such member: ${id}`);
    for (const o of this.membership.list()) {
      if (o.id !== id && o.peerURLs.some((u) => peerURLs.includes(u))) throw new MemberError(409, "membership: peerURL exists");
    }
    await this.proposeConf({ type: "updateNode", nodeId: id }, { ...m, peerURLs });
  }

  /**
   * etcd 0.2's join: admit a member by name. A name already used by a live
   * member is refused; a name whose member is down and has other URLs is
   * taken over (its old entry removed).
   */
  async join(name: string, peerURLs: string[], clientURLs: string[]): Promise<V2Member> {
    const byName = this.membership.byName(name);
    if (byName) {
      const same = byName.peerURLs.join(",") === peerURLs.join(",");
      if (!same && this.isReachable(byName.id) && byName.id !== this.memberId) {
        throw new MemberError(409, `name "${name}" is already used by live member ${byName.id} at ${byName.peerURLs.join(",")}`);
      }
      if (byName.id === this.memberId) {
        throw new MemberError(409, `name "${name}" is already used by member ${byName.id} (the member answering this join)`);
      }
      await this.removeMember(byName.id);
    }
    const m = await this.addMember(peerURLs, name);
    m.clientURLs = clientURLs;
    return m;
  }

  /** Raft messages from a peer. Throws MemberError for the peer's answer. */
  receive(msgs: Message[], fromCluster: string | null, from: string | null): void {
    if (fromCluster !== null && fromCluster !== this.clusterId) {
      this.logger.warn(
        `request sent was ignored (cluster ID mismatch: remote peer ${from ?? "?"} cluster ${fromCluster}, local cluster ${this.clusterId})`,
      );
      throw new MemberError(412, "cluster ID mismatch");
    }
    if (from && this.removedMembers.has(from)) throw new MemberError(410, "the member has been permanently removed from the cluster");
    for (const m of msgs) {
      this.transport.received(m);
      if (m.type === "app") this.counters.recvAppend++;
      else if (m.type === "prop") this.logger.debug(`received ${m.entries?.length} forwarded proposal(s) from ${m.from}`);
      try {
        this.raft.step(m);
      } catch (err) {
        this.logger.debug(`dropped raft message ${m.type} from ${m.from}: ${(err as Error).message}`);
      }
    }
  }

  /** Leadership goes to an up-to-date follower (if any) before the member stops. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    if (this.isLeader && this.membership.size > 1) await this.handOffLeadership();
    this.stopped = true;
    clearTimeout(this.expiryTimer);
    clearTimeout(this.publishTimer);
    await this.raft.stop();
    this.transport.close();
    for (const w of [...this.waiters.values(), ...this.readWaiters.values()]) {
      clearTimeout(w.timer);
      w.reject(new EtcdError(Code.RaftInternal, "etcdserver: server stopped", 0));
    }
    await this.wal.close();
  }

  // ---- internals: proposing ----

  /** Unique across restarts too: applied IDs are remembered in the replicated state. */
  private nextId(): string {
    return `${this.memberId}.${this.bootNonce}.${++this.seq}`;
  }

  private get requestTimeoutMs(): number {
    return 5000 + 2 * this.config.electionTimeoutMs;
  }

  private propose(cmd: Command): Promise<unknown> {
    const i = this.nextId();
    const own = { ...cmd, i };
    const data = encodeCommand(own);
    // Lost proposals (timeouts, dropped) are never taken back out: bound the map instead.
    if (this.proposed.size >= MAX_PROPOSED_KEPT) this.proposed.clear();
    this.proposed.set(data, own);
    return this.wait(this.waiters, i, () => this.raft.propose(data));
  }

  private async proposeConf(cc: Omit<ConfChange, "context">, member: V2Member): Promise<void> {
    const i = this.nextId();
    const context = JSON.stringify({ i, member } satisfies ConfContext);
    // Not retried: raft refuses a second pending conf change.
    const result = await this.wait(this.waiters, i, () => this.raft.proposeConfChange({ ...cc, context }), false);
    if (result instanceof Error) throw result;
  }

  /** Registers a waiter under `id`, runs `start`, and times out like etcd ("request timed out"). */
  private wait<T>(map: Map<string, Waiter>, id: string, start: () => void, retryable = true): Promise<T> {
    if (this.stopped) return Promise.reject(new EtcdError(Code.RaftInternal, "etcdserver: server stopped", 0));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        map.delete(id);
        metrics.proposalsFailed.inc();
        reject(new EtcdError(Code.RaftInternal, "etcdserver: request timed out", 0));
      }, this.requestTimeoutMs);
      const w: Waiter = { resolve: resolve as (v: unknown) => void, reject, timer };
      // A proposal or read-index request forwarded to a leader that then died
      // is lost; sending it again under the next leader is safe (apply skips a
      // repeated request ID; a read index is only answered once).
      if (retryable) {
        w.retry = () => {
          try {
            start();
          } catch { /* no leader yet: the next leader change retries again */ }
        };
      }
      map.set(id, w);
      const run = () => {
        if (!map.has(id)) return; // timed out while held
        try {
          start();
        } catch (err) {
          clearTimeout(timer);
          map.delete(id);
          metrics.proposalsFailed.inc();
          if (err instanceof ProposalDroppedError) {
            reject(
              new EtcdError(
                err.reason.includes("no leader") ? Code.LeaderElect : Code.RaftInternal,
                `etcdserver: ${err.reason}`,
                0,
              ),
            );
          } else reject(err);
        }
      };
      // A follower whose leader is gone holds requests until the next leader
      // is known, instead of forwarding them into the void.
      const leader = this.soft.leader;
      if (!this.isLeader && (leader === "" || !this.transport.isActive(leader))) {
        this.logger.debug(`holding request ${id} until a leader is reachable (leader "${leader}")`);
        this.held.push(run);
      } else run();
    });
  }

  private settle(map: Map<string, Waiter>, id: string | undefined, value: unknown): void {
    if (!id) return;
    const w = map.get(id);
    if (!w) return;
    map.delete(id);
    clearTimeout(w.timer);
    w.resolve(value);
  }

  /** Whether start-up found state on disk (a snapshot or log entries) to rebuild. */
  get restoredFromDisk(): boolean {
    return this.bootCommit > 0 || this.lastSnapshotIndex > 0;
  }

  /** Resolves once every entry committed before the restart is applied again. */
  caughtUp(): Promise<void> {
    return this.waitApplied(this.bootCommit);
  }

  private waitApplied(index: number): Promise<void> {
    if (this.appliedIndex >= index) return Promise.resolve();
    return new Promise((resolve) => this.appliedWaiters.push({ index, resolve }));
  }

  // ---- internals: raft hooks ----

  private send(msgs: Message[]): void {
    for (const m of msgs) {
      if (m.type === "app") this.counters.sendAppend++;
      else if (m.type === "prop") this.logger.debug(`forwarding ${m.entries?.length} proposal(s) to leader ${m.to}`);
    }
    this.transport.send(msgs);
  }

  private applyEntries(entries: Entry[]): void {
    const started = performance.now();
    for (const e of entries) {
      if (e.index <= this.appliedIndex) continue;
      if (e.type === "confChange") this.applyConfChange(e);
      else if (e.data !== "") this.applyNormal(e);
      this.appliedIndex = e.index;
    }
    if (this.appliedWaiters.length > 0) {
      const ready = this.appliedWaiters.filter((w) => w.index <= this.appliedIndex);
      this.appliedWaiters = this.appliedWaiters.filter((w) => w.index > this.appliedIndex);
      for (const w of ready) w.resolve();
    }
    metrics.apply.observe((performance.now() - started) / 1000);
    this.maybeCampaignAlone();
    this.scheduleExpiry();
    if (this.appliedIndex - this.lastSnapshotIndex >= this.config.snapshotCount) this.snapshot();
  }

  private applyNormal(e: Entry): void {
    let cmd = this.proposed.get(e.data);
    if (cmd) this.proposed.delete(e.data);
    else cmd = decodeCommand(e.data);
    if (cmd.i) {
      if (this.seen.has(cmd.i)) return; // a repeated proposal: it already took effect
      this.remember(cmd.i);
    }
    let result: unknown = null;
    try {
      switch (cmd.t) {
        case "v2":
          result = applyRequest(this.store, cmd.r);
          break;
        case "publish":
          result = this.applyPublish(cmd);
          break;
      }
    } catch (err) {
      if (!(err instanceof EtcdError)) throw err;
      result = err;
    }
    this.settle(this.waiters, cmd.i, result);
  }

  private applyConfChange(e: Entry): void {
    const cc = decodeConfChange(e.data);
    const ctx: ConfContext = cc.context ? JSON.parse(cc.context) : {};
    // Bootstrap conf changes carry no context: every replica takes the founding
    // member's name and URLs from its address book (client URLs come with publish).
    const known = this.meta.initialMembers.find((m) => m.id === cc.nodeId);
    const member = ctx.member ?? (known && { ...known, clientURLs: [] });
    // Raft sees every conf change; the member list refuses what would corrupt it.
    this.raft.rn.applyConfChange(cc);
    let result: unknown = null;
    if (cc.type === "addNode" && this.membership.get(cc.nodeId)) {
      result = new MemberError(409, "membership: ID exists");
    } else if ((cc.type === "removeNode" || cc.type === "updateNode") && !this.membership.get(cc.nodeId)) {
      result = new MemberError(404, `No such member: ${cc.nodeId}`);
    } else if (cc.type === "addNode" && member) {
      this.membership.upsert({ ...member, id: cc.nodeId });
      this.removedMembers.delete(cc.nodeId);
      this.logger.info(`added member ${cc.nodeId} ${member.peerURLs.join(",")} to cluster ${this.clusterId}`);
    } else if (cc.type === "updateNode" && member) {
      const old = this.membership.get(cc.nodeId)!;
      const updated = { ...old, peerURLs: member.peerURLs };
      this.membership.upsert(updated);
      if (updated.name) this.store.set(`/_etcd/machines/${updated.name}`, false, machineValue(updated));
      this.logger.info(`updated member ${cc.nodeId} peer URLs to ${member.peerURLs.join(",")}`);
    } else if (cc.type === "removeNode") {
      const old = this.membership.get(cc.nodeId);
      this.membership.remove(cc.nodeId);
      this.removedMembers.add(cc.nodeId);
      if (old?.name) {
        try {
          this.store.delete(`/_etcd/machines/${old.name}`, false, false);
        } catch { /* never published */ }
      }
      this.logger.info(`removed member ${cc.nodeId} from cluster ${this.clusterId}`);
      if (cc.nodeId === this.memberId) this.handleRemoved("this member was removed from the cluster");
    }
    this.settle(this.waiters, ctx.i, result);
  }

  private applyPublish(cmd: Extract<Command, { t: "publish" }>): StoreEvent | null {
    const m = this.membership.get(cmd.id);
    if (!m) return null;
    const old = m.name;
    m.name = cmd.name;
    m.clientURLs = cmd.clientURLs;
    if (old && old !== cmd.name) {
      try {
        this.store.delete(`/_etcd/machines/${old}`, false, false);
      } catch { /* already gone */ }
    }
    return this.store.set(`/_etcd/machines/${cmd.name}`, false, machineValue(m));
  }

  private restoreSnapshot(s: Snapshot): void {
    this.restoreData(JSON.parse(s.data) as SnapshotData);
    this.appliedIndex = this.lastSnapshotIndex = s.metadata.index;
    this.logger.info(`restored state from the leader's snapshot at index ${s.metadata.index}`);
  }

  private restoreData(d: SnapshotData): void {
    this.store.replaceWith(loadStore(d.store));
    this.membership = Membership.fromJSON(d.membership);
    this.seen = new Set();
    this.seenRing = new Array(SEEN_IDS);
    this.seenPos = 0;
    for (const id of d.seen ?? []) this.remember(id);
  }

  /** Remembers an applied request ID, forgetting the oldest beyond SEEN_IDS (a ring, O(1)). */
  private remember(id: string): void {
    const old = this.seenRing[this.seenPos];
    if (old !== undefined) this.seen.delete(old);
    this.seenRing[this.seenPos] = id;
    this.seenPos = (this.seenPos + 1) % SEEN_IDS;
    this.seen.add(id);
  }

  /** Remembered IDs, oldest first (for snapshots). */
  private seenList(): string[] {
    const out: string[] = [];
    for (let k = 0; k < SEEN_IDS; k++) {
      const id = this.seenRing[(this.seenPos + k) % SEEN_IDS];
      if (id !== undefined) out.push(id);
    }
    return out;
  }

  private softStateChanged(ss: SoftState): void {
    const prev = this.soft;
    this.soft = ss;
    if (ss.leader !== prev.leader) {
      this.leaderSince = new Date();
      if (ss.leader) metrics.leaderChanges.inc();
      const name = this.membership.get(ss.leader)?.name ?? "";
      this.terms.observe(this.raftTerm, ss.leader, name);
      if (ss.leader) this.logger.info(`leader is ${ss.leader}${name ? ` (${name})` : ""} at term ${this.raftTerm}`);
      else this.logger.warn(`no leader at term ${this.raftTerm}`);
    }
    if (ss.state === "leader" && prev.state !== "leader") {
      this.logger.info(`became leader at term ${this.raftTerm}`);
      this.expiryAt = 0;
      clearTimeout(this.expiryTimer);
      this.expiryTimer = undefined;
      this.scheduleExpiry();
    }
    if (ss.leader && !this.published) this.schedulePublish(0);
    if (ss.leader && ss.leader !== prev.leader) {
      for (const w of this.waiters.values()) w.retry?.();
      for (const w of this.readWaiters.values()) w.retry?.();
    }
    if (ss.leader && this.held.length > 0) {
      const held = this.held;
      this.held = [];
      for (const run of held) run();
    }
  }

  private readStatesArrived(rs: ReadState[]): void {
    for (const r of rs) this.settle(this.readWaiters, r.requestCtx, r.index);
  }

  /** Announces this member's name and client URLs through the log (as etcd does), retrying until it lands. */
  private schedulePublish(delay: number): void {
    if (this.published || this.stopped) return;
    clearTimeout(this.publishTimer);
    this.publishTimer = setTimeout(async () => {
      // Decide only once the log we had on disk is applied again.
      if (this.appliedIndex < this.bootCommit) return this.schedulePublish(20);
      const me = this.membership.get(this.memberId);
      const clientURLs = this.config.advertiseClientUrls;
      if (me && me.name === this.name && me.clientURLs.join(",") === clientURLs.join(",")) {
        this.published = true;
        await this.refreshPeerUrls();
        return;
      }
      if (!this.soft.leader) return; // softStateChanged retries once a leader is known
      try {
        await this.propose({ t: "publish", id: this.memberId, name: this.name, clientURLs });
        this.published = true;
        await this.refreshPeerUrls();
      } catch (err) {
        this.logger.debug(`publish failed, retrying: ${(err as Error).message}`);
        this.schedulePublish(500);
      }
    }, delay);
  }

  /**
   * etcd 0.2: a member restarted with a new peer address updates it (needs a
   * live majority). The others cannot reach us at the new address until the
   * change is committed, so ask them (their peer API) to propose it.
   */
  private async refreshPeerUrls(): Promise<void> {
    const me = this.membership.get(this.memberId);
    const want = this.config.initialAdvertisePeerUrls;
    if (!me || me.peerURLs.join(",") === want.join(",")) return;
    this.logger.info(`peer URLs changed from ${me.peerURLs.join(",")} to ${want.join(",")}; asking the cluster to update them`);
    const deadline = Date.now() + 60_000;
    while (!this.stopped && Date.now() < deadline) {
      for (const m of this.membership.list()) {
        if (m.id === this.memberId) continue;
        try {
          const res = await peerFetch(m.peerURLs[0] + "/members/update", {
            method: "POST",
            headers: { "Content-Type": "application/json", "X-Etcd-Cluster-Id": this.clusterId },
            body: JSON.stringify({ id: this.memberId, peerURLs: want }),
            signal: AbortSignal.timeout(this.requestTimeoutMs + 1000),
          });
          await res.body?.cancel();
          if (res.ok) {
            this.logger.info(`peer URLs updated to ${want.join(",")}`);
            return;
          }
        } catch { /* try the next member */ }
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    this.logger.warn(`could not update this member's peer URLs to ${want.join(",")}: no majority reachable`);
  }

  /** The only voter need not wait an election timeout to lead (once its log is applied). */
  private maybeCampaignAlone(): void {
    if (this.campaigned || this.soft.leader !== "" || this.soft.state !== "follower" || this.appliedIndex < this.bootCommit) return;
    const voters = this.raft.rn.status().config.voters;
    if (voters.length === 1 && voters[0] === this.memberId) {
      this.campaigned = true;
      // After this Ready is advanced: raft refuses while conf changes are unapplied.
      queueMicrotask(() => this.raft.campaign());
    }
  }

  private handleRemoved(why: string): void {
    if (this.stopped) return;
    this.logger.error(`${why}; stopping`);
    this.onRemoved();
  }

  private async handOffLeadership(): Promise<void> {
    const status = this.raft.rn.status();
    let best = "";
    let bestMatch = -1;
    for (const [id, p] of Object.entries(status.progress ?? {})) {
      if (id !== this.memberId && p.match > bestMatch && this.isReachable(id)) {
        best = id;
        bestMatch = p.match;
      }
    }
    if (!best) return;
    this.logger.info(`transferring leadership to ${best} before stopping`);
    this.raft.transferLeadership(best);
    const deadline = Date.now() + this.config.electionTimeoutMs;
    while (this.isLeader && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  // ---- internals: snapshots and expiry ----

  private snapshot(): void {
    if (this.snapshotting) return;
    this.snapshotting = true;
    const index = this.appliedIndex;
    try {
      // Serialized synchronously: the image is exactly the state at `index`.
      const bytes = new Utf8Builder();
      this.writeImage(bytes);
      const data = bytes.bytes();
      const confState: ConfState = this.raft.rn.status().config;
      const snap = this.raft.storage.createSnapshot(index, confState, "");
      this.lastSnapshotIndex = index;
      this.wal.saveSnapshot({
        index,
        term: snap.metadata.term,
        meta: JSON.stringify({ confState } satisfies SnapshotMeta),
        data,
      }).then(() => {
        const compactTo = index - CATCH_UP_ENTRIES;
        if (compactTo > this.raft.storage.firstIndex()) this.raft.storage.compact(compactTo);
        this.logger.info(`saved snapshot at index ${index} (${data.length} bytes)`);
      }).catch((err) => this.logger.error(`snapshot at index ${index} failed: ${(err as Error).message}`))
        .finally(() => (this.snapshotting = false));
    } catch (err) {
      this.snapshotting = false;
      this.logger.error(`snapshot at index ${index} failed: ${(err as Error).message}`);
    }
  }

  /** Writes the applied state as SnapshotData JSON, piece by piece (to bytes for the WAL, to text for a follower). */
  private writeImage(out: TextSink): void {
    out.write(`{"store":`);
    writeStoreJson(this.store, out);
    out.write(`,"membership":${JSON.stringify(this.membership.toJSON())},"seen":${JSON.stringify(this.seenList())}}`);
  }

  /** A snapshot of the applied state for a lagging follower (the stored one may be older than its membership, and keeps no data). */
  private freshSnapshot(): Snapshot {
    const storage = this.raft.storage;
    const stored = storage.getSnapshotUnchecked();
    if (this.appliedIndex < stored.metadata.index || this.appliedIndex > storage.lastIndex()) {
      throw new SnapshotTemporarilyUnavailableError();
    }
    const parts: string[] = [];
    this.writeImage({ write: (t) => parts.push(t) });
    const data = parts.join("");
    this.logger.info(`made a snapshot at applied index ${this.appliedIndex} to send to a follower`);
    // Nothing applied since the stored snapshot: this is its image.
    if (this.appliedIndex === stored.metadata.index) return { metadata: stored.metadata, data };
    return storage.createSnapshot(this.appliedIndex, this.raft.rn.status().config, data);
  }

  /** The leader arms a timer for the next TTL expiry and then proposes a SYNC carrying its clock. */
  private scheduleExpiry(): void {
    if (!this.isLeader || this.stopped) return;
    const next = this.store.nextExpiry();
    if (next === 0 || (this.expiryTimer !== undefined && this.expiryAt <= next)) return;
    clearTimeout(this.expiryTimer);
    this.expiryAt = next;
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = undefined;
      this.expiryAt = 0;
      if (!this.isLeader || this.syncInFlight) return;
      this.syncInFlight = true;
      this.do({ method: "SYNC", path: "/", time: Date.now() })
        .catch((err) => this.logger.warn(`expiry sync failed: ${(err as Error).message}`))
        .finally(() => {
          this.syncInFlight = false;
          this.scheduleExpiry();
        });
    }, Math.max(0, next - Date.now()));
  }
}

/** A membership-API error: HTTP status and etcd's message. */
export class MemberError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}
