// Helpers for the raft unit tests: building nodes over MemoryStorage,
// draining their outboxes, and a tiny synchronous network (in the spirit of
// etcd's raft tests) that delivers messages until the cluster is quiet.

import { Raft, type RaftConfig } from "../../server/raft/raft.ts";
import { seededRandom } from "../../server/raft/rand.ts";
import { MemoryStorage } from "../../server/raft/storage.ts";
import type {
  ConfState,
  Entry,
  HardState,
  Message,
  MessageType,
  NodeId,
} from "../../server/raft/types.ts";

/** MemoryStorage whose configuration (before any snapshot) is `cs` instead of empty. */
export class TestStorage extends MemoryStorage {
  private readonly initialConf: ConfState;
  constructor(voters: NodeId[], learners: NodeId[] = []) {
    super();
    this.initialConf = { voters, learners };
  }
  override initialState(): { hardState: HardState; confState: ConfState } {
    const st = super.initialState();
    if (this.snapshot().metadata.index === 0) {
      return { ...st, confState: this.initialConf };
    }
    return st;
  }
}

export type TestOptions = Partial<Omit<RaftConfig, "id" | "storage">> & {
  seed?: number;
};

export function newRaft(
  id: NodeId,
  election: number,
  heartbeat: number,
  storage: MemoryStorage,
  opts: TestOptions = {},
): Raft {
  const { seed, ...rest } = opts;
  return new Raft({
    id,
    electionTick: election,
    heartbeatTick: heartbeat,
    storage,
    random: seededRandom(seed ?? hashId(id)),
    ...rest,
  });
}

function hashId(id: string): number {
  let h = 7;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h;
}

/** Entries with the given terms at indexes 1, 2, ... */
export function entsWithTerms(...terms: number[]): Entry[] {
  return terms.map((term, i) => ({
    term,
    index: i + 1,
    type: "normal" as const,
    data: "",
  }));
}

export function entry(index: number, term: number, data = ""): Entry {
  return { term, index, type: "normal", data };
}

/** A storage holding entries with the given terms (a log "as persisted") and configuration voters. */
export function storageWithLog(voters: NodeId[], terms: number[]): TestStorage {
  const s = new TestStorage(voters);
  s.append(entsWithTerms(...terms));
  return s;
}

/** Sends what was queued and takes the node's outgoing messages. */
export function readMessages(r: Raft): Message[] {
  r.flushPendingAppends();
  const msgs = r.msgs;
  r.msgs = [];
  return msgs;
}

/** Persists everything unstable to storage and marks all committed entries applied (an obliging application). */
export function stabilize(r: Raft, s: MemoryStorage): Entry[] {
  const log = r.raftLog;
  if (log.unstable.snapshot) {
    s.applySnapshot(log.unstable.snapshot);
    log.stableSnapTo(log.unstable.snapshot.metadata.index);
    if (log.applied < log.committed && log.applied < log.firstIndex() - 1) {
      log.appliedTo(log.firstIndex() - 1);
    }
  }
  const ents = log.unstableEntries();
  if (ents.length) {
    s.append(ents);
    log.stableTo(ents[ents.length - 1].index, ents[ents.length - 1].term);
  }
  s.setHardState(r.hardState());
  const committed = log.nextCommittedEnts();
  if (committed.length) log.appliedTo(committed[committed.length - 1].index);
  return committed;
}

/** All entries of r's log (after the snapshot), as [index, term] pairs. */
export function logTerms(r: Raft): Array<[number, number]> {
  const log = r.raftLog;
  const out: Array<[number, number]> = [];
  for (let i = log.firstIndex(); i <= log.lastIndex(); i++) {
    out.push([i, log.term(i)]);
  }
  return out;
}

export function msg(
  type: MessageType,
  from: NodeId,
  to: NodeId,
  fields: Partial<Message> = {},
): Message {
  return { type, from, to, term: 0, ...fields };
}

/** A member that swallows every message. */
export const BLACKHOLE = "blackhole" as const;

/**
 * A synchronous network: send() delivers messages (and everything they
 * cause) until no message is left. Every node's unstable state is persisted
 * and its committed entries applied after each message it receives.
 */
export class Network {
  readonly peers = new Map<NodeId, Raft | typeof BLACKHOLE>();
  readonly storage = new Map<NodeId, MemoryStorage>();
  private readonly dropped = new Set<string>();
  private readonly ignored = new Set<MessageType>();
  /** When set, rewrites each message in flight; returning undefined drops it. */
  filter: ((m: Message) => Message | undefined) | undefined = undefined;
  /** Every message delivered, for assertions. */
  readonly delivered: Message[] = [];

  /** ids: members (all voters); overrides: replace a member by a custom node or a blackhole. */
  private readonly opts: TestOptions;

  constructor(
    ids: NodeId[],
    opts: TestOptions = {},
    overrides: Record<NodeId, Raft | typeof BLACKHOLE> = {},
  ) {
    this.opts = opts;
    for (const id of ids) {
      const o = overrides[id];
      if (o === BLACKHOLE) {
        this.peers.set(id, BLACKHOLE);
      } else if (o) {
        this.peers.set(id, o);
        this.storage.set(id, o.raftLog.storage as MemoryStorage);
      } else {
        const s = new TestStorage(ids);
        this.storage.set(id, s);
        this.peers.set(id, newRaft(id, 10, 1, s, opts));
      }
    }
  }

  raft(id: NodeId): Raft {
    const p = this.peers.get(id);
    if (!p || p === BLACKHOLE) throw new Error(`no raft ${id}`);
    return p;
  }

  /** Delivers msgs and everything they trigger. */
  send(...msgs: Message[]): void {
    const queue = [...msgs];
    let steps = 0;
    while (queue.length) {
      if (++steps > 100_000) throw new Error("network did not quiesce");
      const m = queue.shift()!;
      const p = this.peers.get(m.to);
      if (!p || p === BLACKHOLE) continue;
      if (
        m.type !== "hup" && m.type !== "beat" && m.type !== "prop" &&
        m.type !== "readIndex"
      ) {
        if (
          this.dropped.has(`${m.from}->${m.to}`) || this.ignored.has(m.type)
        ) continue;
      } else if (m.from !== m.to && this.dropped.has(`${m.from}->${m.to}`)) {
        continue;
      }
      const fm = this.filter ? this.filter(m) : m;
      if (!fm) continue;
      this.delivered.push(fm);
      p.step(fm);
      const s = this.storage.get(m.to)!;
      stabilize(p, s);
      for (const out of readMessages(p)) queue.push(out);
    }
  }

  /** Lets the given node tick n times and delivers the consequences. */
  tick(id: NodeId, n = 1): void {
    const r = this.raft(id);
    for (let i = 0; i < n; i++) {
      r.tick();
      stabilize(r, this.storage.get(id)!);
      this.send(...readMessages(r));
    }
  }

  /** Crash and restart: a new node from what the old one persisted. */
  restart(id: NodeId): Raft {
    const r = newRaft(id, 10, 1, this.storage.get(id)!, this.opts);
    this.peers.set(id, r);
    return r;
  }

  campaign(id: NodeId): void {
    this.send(msg("hup", id, id));
  }

  propose(id: NodeId, data: string): void {
    this.send(msg("prop", id, id, { entries: [entry(0, 0, data)] }));
  }

  /** Drops all messages from -> to. */
  drop(from: NodeId, to: NodeId): void {
    this.dropped.add(`${from}->${to}`);
  }

  cut(a: NodeId, b: NodeId): void {
    this.drop(a, b);
    this.drop(b, a);
  }

  isolate(id: NodeId): void {
    for (const other of this.peers.keys()) {
      if (other !== id) this.cut(id, other);
    }
  }

  ignore(t: MessageType): void {
    this.ignored.add(t);
  }

  recover(): void {
    this.dropped.clear();
    this.ignored.clear();
  }
}
