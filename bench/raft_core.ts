// Throughput of the raft core alone: proposals per second through a
// 3-member in-memory cluster, counted once every member has committed and
// applied them. Messages are delivered in batches (everything one round of
// Readys produced), storage is MemoryStorage, the log is compacted as it
// grows. One line per configuration.
//
//   npx deno run -A bench/raft_core.ts [--quick]

import {
  decodeConfChange,
  MemoryStorage,
  type Message,
  RawNode,
  seededRandom,
} from "../server/raft/mod.ts";

export interface RaftCoreBenchConfig {
  name: string;
  payloadBytes: number;
  /** Proposals submitted between two rounds of Ready handling. */
  batch: number;
  /** Send every message through JSON.stringify/parse, as a network transport would. */
  json: boolean;
  proposals: number;
}

export interface RaftCoreBenchResult {
  name: string;
  proposalsPerSec: number;
  messages: number;
  ms: number;
}

interface Member {
  id: string;
  rn: RawNode;
  storage: MemoryStorage;
  applied: number;
  appliedIndex: number;
}

export function runRaftCoreBench(
  cfg: RaftCoreBenchConfig,
): RaftCoreBenchResult {
  const ids = ["1", "2", "3"];
  const members = new Map<string, Member>();
  for (const id of ids) {
    const storage = new MemoryStorage();
    const rn = new RawNode({
      id,
      peers: ids,
      electionTick: 10,
      heartbeatTick: 1,
      storage,
      random: seededRandom(Number(id)),
      preVote: true,
      checkQuorum: true,
      maxSizePerMsg: 1024 * 1024,
      maxInflightMsgs: 256,
    });
    members.set(id, { id, rn, storage, applied: 0, appliedIndex: 0 });
  }
  let inflight: Array<Message | string> = [];
  let messages = 0;

  // One round: every member handles its Ready, then all produced messages are delivered.
  const round = (): boolean => {
    let busy = false;
    for (const m of members.values()) {
      if (!m.rn.hasReady()) continue;
      busy = true;
      const rd = m.rn.ready();
      if (rd.snapshot) m.storage.applySnapshot(rd.snapshot);
      if (rd.entries.length) m.storage.append(rd.entries);
      if (rd.hardState) m.storage.setHardState(rd.hardState);
      for (const msg of rd.messages) {
        inflight.push(cfg.json ? JSON.stringify(msg) : msg);
      }
      for (const e of rd.committedEntries) {
        if (e.type === "confChange") {
          m.rn.applyConfChange(decodeConfChange(e.data));
        } else if (e.data !== "") m.applied++;
        m.appliedIndex = e.index;
      }
      m.rn.advance(rd);
      // Keep memory flat: snapshot and compact every 20k entries.
      if (m.appliedIndex - m.storage.firstIndex() > 20_000) {
        m.storage.createSnapshot(m.appliedIndex, undefined, "");
        m.storage.compact(m.appliedIndex - 1000);
      }
    }
    if (inflight.length) {
      busy = true;
      const batch = inflight;
      inflight = [];
      messages += batch.length;
      for (const raw of batch) {
        const msg = typeof raw === "string" ? JSON.parse(raw) as Message : raw;
        members.get(msg.to)!.rn.step(msg);
      }
    }
    return busy;
  };

  // Apply the bootstrap entries, then elect a leader.
  round();
  members.get("1")!.rn.campaign();
  for (let i = 0; i < 50 && round(); i++) { /* settle */ }
  const leader = members.get("1")!;
  if (leader.rn.status().softState.state !== "leader") {
    throw new Error("bench: no leader");
  }
  for (const m of members.values()) m.applied = 0;

  const payload = "x".repeat(cfg.payloadBytes);
  const start = performance.now();
  let proposed = 0;
  let ticks = 0;
  while ([...members.values()].some((m) => m.applied < cfg.proposals)) {
    const n = Math.min(cfg.batch, cfg.proposals - proposed);
    for (let i = 0; i < n; i++) leader.rn.propose(payload);
    proposed += n;
    round();
    // A heartbeat every 64 rounds keeps the cluster honest (check-quorum) without dominating.
    if (++ticks % 64 === 0) { for (const m of members.values()) m.rn.tick(); }
    if (proposed >= cfg.proposals) {
      for (let i = 0; i < 1000 && round(); i++) { /* drain */ }
    }
  }
  const ms = performance.now() - start;
  return {
    name: cfg.name,
    proposalsPerSec: Math.round(cfg.proposals / (ms / 1000)),
    messages,
    ms,
  };
}

export const RAFT_CORE_BENCHES: RaftCoreBenchConfig[] = [
  {
    name: "3 members, 128 B, 1 proposal/round",
    payloadBytes: 128,
    batch: 1,
    json: false,
    proposals: 30_000,
  },
  {
    name: "3 members, 128 B, 64 proposals/round",
    payloadBytes: 128,
    batch: 64,
    json: false,
    proposals: 300_000,
  },
  {
    name: "3 members, 128 B, 512 proposals/round",
    payloadBytes: 128,
    batch: 512,
    json: false,
    proposals: 500_000,
  },
  {
    name: "3 members, 128 B, 64 proposals/round, JSON messages",
    payloadBytes: 128,
    batch: 64,
    json: true,
    proposals: 200_000,
  },
  {
    name: "3 members, 4 KiB, 64 proposals/round, JSON messages",
    payloadBytes: 4096,
    batch: 64,
    json: true,
    proposals: 50_000,
  },
];

if (import.meta.main) {
  const quick = Deno.args.includes("--quick");
  // Warm up the JIT.
  runRaftCoreBench({
    name: "warmup",
    payloadBytes: 128,
    batch: 64,
    json: false,
    proposals: 50_000,
  });
  for (const cfg of RAFT_CORE_BENCHES) {
    const r = runRaftCoreBench(
      quick ? { ...cfg, proposals: Math.ceil(cfg.proposals / 10) } : cfg,
    );
    console.log(
      `raft_core: ${r.name.padEnd(52)} ${
        String(r.proposalsPerSec).padStart(9)
      } proposals/s ` +
        `(${(r.ms / 1000).toFixed(2)} s, ${r.messages} messages)`,
    );
  }
}
