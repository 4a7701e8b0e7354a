// A running member: the keyspace, the member list, and the log that feeds
// them. HTTP handlers talk to this class only. In this single-member form the
// log is a SoloLog; the clustered form swaps in Raft behind the same methods.

import { rm } from "node:fs/promises";
import type { StoreStats, V2Member } from "../../shared/api.ts";
import type { Config } from "../config/types.ts";
import { Wal } from "../storage/mod.ts";
import type { WalEntry } from "../storage/mod.ts";
import { applyRequest, type V2Request } from "../store/apply.ts";
import { Code, EtcdError } from "../store/errors.ts";
import type { StoreEvent } from "../store/event.ts";
import { loadStore, saveStore, type StoreSnapshot } from "../store/snapshot.ts";
import { Store } from "../store/store.ts";
import { type Command, decodeCommand, encodeCommand } from "./command.ts";
import { computeClusterId, computeMemberId } from "./ids.ts";
import { machineValue, Membership } from "./membership.ts";
import { SoloLog } from "./solo_log.ts";
import type { Logger } from "../log.ts";

interface WalMetadata {
  name: string;
  memberId: string;
  clusterId: string;
}

interface SnapshotMeta {
  membership: ReturnType<Membership["toJSON"]>;
}

export class EtcdServer {
  readonly startTime = new Date();
  private snapshotting = false;
  private lastSnapshotIndex = 0;
  private appliedIndex = 0;
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;
  private expiryAt = 0;
  private syncInFlight = false;
  private log!: SoloLog;

  private constructor(
    readonly config: Config,
    readonly logger: Logger,
    readonly memberId: string,
    public store: Store,
    public membership: Membership,
    private readonly wal: Wal,
  ) {}

  get name(): string {
    return this.config.name;
  }

  get clusterId(): string {
    return this.membership.clusterId;
  }

  /** Index of the last applied log entry (X-Raft-Index). */
  get raftIndex(): number {
    return this.appliedIndex;
  }

  get raftTerm(): number {
    return this.log.term;
  }

  get leaderId(): string {
    return this.memberId;
  }

  get isLeader(): boolean {
    return true;
  }

  /** Opens (or creates) the data dir, replays snapshot + log, and publishes this member. */
  static async start(config: Config, logger: Logger): Promise<EtcdServer> {
    if (config.force) {
      logger.warn(`-f given: discarding existing data in ${config.dataDir}`);
      await rm(config.dataDir, { recursive: true, force: true });
    }
    let server: EtcdServer;
    if (await Wal.exists(config.dataDir)) {
      const { wal, recovered } = await Wal.open(config.dataDir);
      if (recovered.tailRepair) {
        logger.warn(`recovered from a torn write-ahead log tail: ${recovered.tailRepair.problem}`);
      }
      const meta = JSON.parse(recovered.metadata ?? "{}") as WalMetadata;
      let store = new Store();
      let membership = new Membership(meta.clusterId);
      let lastIndex = 0;
      if (recovered.snapshot) {
        store = loadStore(JSON.parse(recovered.snapshot.data) as StoreSnapshot);
        membership = Membership.fromJSON((JSON.parse(recovered.snapshot.meta) as SnapshotMeta).membership);
        lastIndex = recovered.snapshot.index;
      }
      server = new EtcdServer(config, logger, meta.memberId, store, membership, wal);
      server.lastSnapshotIndex = lastIndex;
      for (const e of recovered.entries) {
        server.applyEntry(e);
        lastIndex = e.index;
      }
      server.log = server.newLog(lastIndex);
      server.appliedIndex = lastIndex;
      logger.info(
        `restarted member ${meta.memberId} in cluster ${meta.clusterId} from ${config.dataDir} at index ${lastIndex} (store index ${store.index})`,
      );
    } else {
      const peerUrls = config.initialAdvertisePeerUrls;
      const memberId = computeMemberId(peerUrls, config.initialClusterToken);
      const clusterId = computeClusterId([memberId]);
      const meta: WalMetadata = { name: config.name, memberId, clusterId };
      const wal = await Wal.create(config.dataDir, JSON.stringify(meta));
      server = new EtcdServer(config, logger, memberId, new Store(), new Membership(clusterId), wal);
      server.log = server.newLog(0);
      const member: V2Member = { id: memberId, name: "", peerURLs: peerUrls, clientURLs: [] };
      await server.log.propose(encodeCommand({ t: "member", op: "add", member }));
      logger.info(`started new single-member cluster ${clusterId} as member ${memberId} in ${config.dataDir}`);
    }
    await server.publish();
    server.scheduleExpiry();
    return server;
  }

  /** Proposes a v2 write (or quorum read) and resolves with its event; rejects with the EtcdError etcd would give. */
  async do(r: V2Request): Promise<StoreEvent> {
    const result = await this.log.propose(encodeCommand({ t: "v2", r }));
    if (result instanceof EtcdError) throw result;
    return result as StoreEvent;
  }

  /** A read that sees every write acknowledged before it began. */
  quorumGet(path: string, recursive: boolean, sorted: boolean): StoreEvent {
    // One member: every acknowledged write is already applied locally.
    return this.store.get(path, recursive, sorted);
  }

  storeStats(): StoreStats {
    return this.store.stats.toJSON(this.store.hub.count);
  }

  selfCounts(): { recvAppendRequestCnt: number; sendAppendRequestCnt: number; leaderSince: Date } {
    return { recvAppendRequestCnt: 0, sendAppendRequestCnt: 0, leaderSince: this.startTime };
  }

  health(): boolean {
    return true;
  }

  members(): V2Member[] {
    return this.membership.list();
  }

  leader(): V2Member | undefined {
    return this.membership.get(this.leaderId);
  }

  async stop(): Promise<void> {
    clearTimeout(this.expiryTimer);
    await this.log.close();
    await this.wal.close();
  }

  // ---- internals ----

  private newLog(lastIndex: number): SoloLog {
    return new SoloLog(this.wal, lastIndex, 1, (e) => this.applyEntry(e), (index) => this.afterApply(index));
  }

  /** Announces this member's name and client URLs through the log (as etcd does), if they changed. */
  private async publish(): Promise<void> {
    const me = this.membership.get(this.memberId);
    const clientURLs = this.config.advertiseClientUrls;
    if (me && me.name === this.name && sameList(me.clientURLs, clientURLs)) return;
    await this.log.propose(encodeCommand({ t: "publish", id: this.memberId, name: this.name, clientURLs }));
  }

  /** Applies one committed entry; returns the event or the EtcdError for the proposer. */
  private applyEntry(e: WalEntry): StoreEvent | EtcdError | null {
    if (e.data === "") return null;
    const cmd: Command = decodeCommand(e.data);
    try {
      switch (cmd.t) {
        case "v2":
          return applyRequest(this.store, cmd.r);
        case "publish":
          return this.applyPublish(cmd);
        case "member":
          return this.applyMember(cmd);
      }
    } catch (err) {
      if (err instanceof EtcdError) return err;
      throw err;
    }
    return null;
  }

  private applyMember(cmd: Extract<Command, { t: "member" }>): null {
    const m = cmd.member;
    if (cmd.op === "remove") {
      const old = this.membership.get(m.id);
      this.membership.remove(m.id);
      if (old?.name) {
        try {
          this.store.delete(`/_etcd/machines/${old.name}`, false, false);
        } catch { /* never published */ }
      }
    } else {
      const old = this.membership.get(m.id);
      this.membership.upsert({ ...m, name: old?.name ?? m.name, clientURLs: old?.clientURLs ?? m.clientURLs });
    }
    return null;
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

  private afterApply(index: number): void {
    this.appliedIndex = index;
    this.scheduleExpiry();
    if (index - this.lastSnapshotIndex >= this.config.snapshotCount) void this.snapshot(index);
  }

  private async snapshot(index: number): Promise<void> {
    if (this.snapshotting) return;
    this.snapshotting = true;
    try {
      // Serialize synchronously so the image is exactly the state at `index`.
      const at = index;
      const data = JSON.stringify(saveStore(this.store));
      const meta = JSON.stringify({ membership: this.membership.toJSON() } satisfies SnapshotMeta);
      await this.wal.saveSnapshot({ index: at, term: this.log.term, meta, data });
      this.lastSnapshotIndex = at;
      this.logger.info(`saved snapshot at index ${at} (${data.length} bytes)`);
    } catch (err) {
      this.logger.error(`snapshot at index ${index} failed: ${(err as Error).message}`);
    } finally {
      this.snapshotting = false;
    }
  }

  /** Arms a timer for the next TTL expiry; when it fires the leader proposes a SYNC carrying its clock. */
  private scheduleExpiry(): void {
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

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export { Code };
