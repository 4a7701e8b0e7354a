// Drives one seeded simulation: a cluster of SimNodes over a SimNetwork,
// tick by tick, with a random fault schedule, then healing and a liveness
// check. Safety invariants are checked after every step.

import {
  ProposalDroppedError,
  StepPeerNotFoundError,
} from "../../../server/raft/errors.ts";
import type {
  ConfChange,
  Message,
  NodeId,
  Ready,
} from "../../../server/raft/types.ts";
import { Checker, type Invariant, InvariantViolation } from "./checker.ts";
import type { SimConfig } from "./configs.ts";
import { CALM, SimNetwork } from "./network.ts";
import { type ApplyHooks, type CrashPoint, SimNode } from "./node.ts";
import { Rng } from "./rng.ts";

export interface SimStats {
  ticks: number;
  elections: number;
  committed: number;
  messages: number;
  dropped: number;
  crashes: number;
  midReadyCrashes: number;
  partitions: number;
  confChanges: number;
  /** Membership changes (beyond bootstrap) that some member applied. */
  membershipChanges: number;
  /** Removals of the leader proposed by the leader itself. */
  leaderSelfRemovals: number;
  snapshotsTaken: number;
  snapshotsInstalled: number;
  readsAnswered: number;
  proposalsDropped: number;
  transfers: number;
}

export class SimFailure extends Error {
  constructor(
    readonly invariant: Invariant,
    readonly config: string,
    readonly seed: number,
    readonly tick: number,
    detail: string,
    readonly trace: string[],
  ) {
    super(
      `raft simulation failed: ${detail}\n  config=${config} seed=${seed} tick=${tick}\n` +
        `  replay: RAFT_SIM_CONFIG=${config} RAFT_SIM_SEED=${seed} npx deno test -A test/raft/sim.test.ts\n` +
        `  (add RAFT_SIM_TRACE=1 for a message-level trace)\n  last events:\n    ${
          trace.slice(-40).join("\n    ")
        }`,
    );
    this.name = "SimFailure";
  }
}

export interface SimOptions {
  /** Record every message in the trace (slow; for replaying one seed). */
  trace?: boolean;
}

function hashName(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  }
  return h;
}

export class Sim {
  readonly rng: Rng;
  readonly net: SimNetwork;
  readonly checker = new Checker();
  readonly nodes = new Map<NodeId, SimNode>();
  now = 0;
  private readonly trace: string[] = [];
  private readonly downUntil = new Map<NodeId, number>();
  private readonly pendingCrash = new Map<NodeId, CrashPoint>();
  private healAt = -1;
  private nextId: number;
  private counter = 0;
  private chaos = true;
  /** The liveness proposal, and the index where it was committed (once some member applied it). */
  private marker = "";
  readonly stats: SimStats = {
    ticks: 0,
    elections: 0,
    committed: 0,
    messages: 0,
    dropped: 0,
    crashes: 0,
    midReadyCrashes: 0,
    partitions: 0,
    confChanges: 0,
    membershipChanges: 0,
    leaderSelfRemovals: 0,
    snapshotsTaken: 0,
    snapshotsInstalled: 0,
    readsAnswered: 0,
    proposalsDropped: 0,
    transfers: 0,
  };
  private readonly hooks: ApplyHooks;

  constructor(
    readonly cfg: SimConfig,
    readonly seed: number,
    readonly opts: SimOptions = {},
  ) {
    this.rng = new Rng((seed ^ hashName(cfg.name)) >>> 0);
    this.net = new SimNetwork(this.rng, cfg.faults);
    const ids = Array.from({ length: cfg.nodes }, (_, i) => String(i + 1));
    this.nextId = cfg.nodes + 1;
    for (const id of ids) {
      const n = new SimNode(id, ids);
      this.nodes.set(id, n);
      n.start(cfg.node, this.rng.seed());
    }
    const checker = this.checker;
    this.hooks = {
      onApply: (n, e, hash, prev) => {
        checker.onApply(n, e, hash, prev);
        if (e.type === "confChange") {
          this.stats.confChanges++;
          if (e.index > this.cfg.nodes && !this.countedConf.has(e.index)) {
            this.countedConf.add(e.index);
            this.stats.membershipChanges++;
          }
        }
        if (
          this.marker !== "" && e.data === this.marker && this.markerIndex === 0
        ) this.markerIndex = e.index;
      },
      onSnapshot: (n, s, hash) => {
        checker.onSnapshot(n, s, hash);
        this.stats.snapshotsInstalled++;
      },
    };
    for (const n of this.nodes.values()) checker.afterStep(n);
  }

  private markerIndex = 0;
  private readonly countedConf = new Set<number>();

  private log(event: string): void {
    this.trace.push(`t${this.now} ${event}`);
    if (this.trace.length > 400) this.trace.splice(0, 100);
  }

  private upNodes(): SimNode[] {
    const out: SimNode[] = [];
    for (const n of this.nodes.values()) if (n.up) out.push(n);
    return out;
  }

  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      if (!n.up) continue;
      const r = n.rawNode!.raft;
      if (r.state === "leader" && (!best || r.term > best.rawNode!.raft.term)) {
        best = n;
      }
    }
    return best;
  }

  /** Runs the whole schedule; throws SimFailure on any violation. */
  run(): SimStats {
    try {
      for (let t = 0; t < this.cfg.ticks; t++) {
        this.chaosEvents();
        this.step();
      }
      this.heal();
      this.checkLiveness();
    } catch (e) {
      if (e instanceof SimFailure) throw e;
      const inv: Invariant = e instanceof InvariantViolation
        ? e.invariant
        : "raft error";
      const detail = e instanceof Error
        ? (e instanceof InvariantViolation
          ? e.message
          : `${e.name}: ${e.message}\n${e.stack}`)
        : String(e);
      throw new SimFailure(
        inv,
        this.cfg.name,
        this.seed,
        this.now,
        detail,
        this.trace,
      );
    }
    this.stats.ticks = this.now;
    this.stats.elections = this.checker.elections;
    this.stats.committed = this.checker.commitMax;
    this.stats.messages = this.net.sent;
    this.stats.dropped = this.net.dropped;
    this.stats.readsAnswered = this.checker.readsAnswered;
    return this.stats;
  }

  /** One tick: every live node ticks, due messages are delivered, Readys are handled. */
  step(): void {
    this.now++;
    const up = this.rng.shuffle(this.upNodes());
    for (const n of up) {
      n.rawNode!.tick();
      this.checker.afterStep(n);
    }
    for (const m of this.net.take(this.now)) this.deliver(m);
    for (const n of this.rng.shuffle(this.upNodes())) {
      for (let i = 0; i < 4 && n.up && n.rawNode!.hasReady(); i++) {
        this.handleReady(n);
      }
    }
    if (this.cfg.snapshotRate > 0) {
      for (const n of this.nodes.values()) {
        if (n.up && this.rng.chance(this.cfg.snapshotRate)) {
          if (
            n.snapshotAndCompact(
              this.rng.int(this.cfg.snapshotKeep[0], this.cfg.snapshotKeep[1]),
            )
          ) {
            this.stats.snapshotsTaken++;
          }
        }
      }
    }
    for (const [id, until] of this.downUntil) {
      if (until <= this.now) this.restart(this.nodes.get(id)!);
    }
  }

  private deliver(m: Message): void {
    const n = this.nodes.get(m.to);
    if (!n || !n.up) return;
    // Like etcd's transport: refuse traffic from members known to be removed.
    if (n.removed.has(m.from)) return;
    if (this.opts.trace) this.log(`deliver ${JSON.stringify(m)}`);
    try {
      n.rawNode!.step(m);
    } catch (e) {
      if (!(e instanceof StepPeerNotFoundError)) throw e;
    }
    this.checker.afterStep(n);
    if (this.rng.chance(0.25)) this.handleReady(n);
  }

  /**
   * The application's Ready loop, as the server runs it: a leader sends,
   * then persists; others persist, then send; then apply, then advance. A
   * crash may strike in between (for a leader: after its appends went out,
   * before its own copy is durable).
   */
  private handleReady(n: SimNode): void {
    const rn = n.rawNode!;
    if (!rn.hasReady()) return;
    const rd = rn.ready();
    this.checker.onEntries(n, rd.entries);
    const sendFirst = rn.raft.state === "leader";
    if (sendFirst) this.sendReady(n, rd);
    const crash = this.pendingCrash.get(n.id);
    if (crash === "beforePersist") {
      return this.crash(n, `before persisting ${rd.entries.length} entries${sendFirst ? " (messages sent)" : ""}`);
    }
    n.persist(rd);
    if (crash === "afterPersist") {
      return this.crash(
        n,
        `after persisting, before ${sendFirst ? "applying" : `sending ${rd.messages.length} messages`}`,
      );
    }
    if (!sendFirst) this.sendReady(n, rd);
    for (const rs of rd.readStates) this.checker.onReadState(n, rs);
    if (rd.softState) {
      this.log(
        `${n.id} is ${rd.softState.state} (leader ${
          rd.softState.leader || "-"
        }) term ${rn.raft.term}`,
      );
    }
    n.apply(rd, this.hooks);
    rn.advance(rd);
    this.checker.afterStep(n);
  }

  private sendReady(n: SimNode, rd: Ready): void {
    const rn = n.rawNode!;
    for (let m of rd.messages) {
      if (m.type === "snap") m = this.freshSnapshot(n, m);
      // Like a transport: a broken link is reported unreachable, and a snapshot's fate is reported.
      const blocked = this.net.isBlocked(m.from, m.to);
      const sent = this.net.send(m, this.now) && !blocked;
      if (blocked && this.rng.chance(0.5)) rn.reportUnreachable(m.to);
      // Now and then a live but cut-off peer is wrongly taken for gone: safety must not care.
      if (blocked && this.rng.chance(0.02)) rn.leaderGone(m.to);
      if (m.type === "snap") {
        rn.reportSnapshot(m.to, sent ? "finish" : "failure");
      }
    }
  }

  /**
   * Like etcd's server, send a snapshot of the current applied state rather
   * than the stored one: a stored snapshot taken before the receiver joined
   * would not list it as a member, and it would ignore it.
   */
  private freshSnapshot(n: SimNode, m: Message): Message {
    if (
      n.appliedIndex > m.snapshot!.metadata.index &&
      n.snapshotAndCompact(this.cfg.snapshotKeep[1])
    ) {
      this.stats.snapshotsTaken++;
      return { ...m, snapshot: n.storage.snapshot() };
    }
    return m;
  }

  private crash(n: SimNode, why: string): void {
    if (this.pendingCrash.has(n.id)) this.stats.midReadyCrashes++;
    this.pendingCrash.delete(n.id);
    n.crash();
    this.stats.crashes++;
    this.downUntil.set(
      n.id,
      this.chaos
        ? this.now + this.rng.int(this.cfg.downTicks[0], this.cfg.downTicks[1])
        : this.now + 1,
    );
    this.log(`crash ${n.id} ${why}`);
    // Like a transport whose reconnects are refused: the others may learn it is gone.
    for (const o of this.nodes.values()) {
      if (o !== n && o.rawNode && this.rng.chance(0.7)) o.rawNode.leaderGone(n.id);
    }
  }

  private restart(n: SimNode): void {
    this.downUntil.delete(n.id);
    n.start(this.cfg.node, this.rng.seed());
    this.log(
      `restart ${n.id} (term ${n.rawNode!.raft.term}, commit ${
        n.rawNode!.raft.raftLog.committed
      })`,
    );
    this.checker.afterStep(n);
  }

  private chaosEvents(): void {
    const cfg = this.cfg;
    const rng = this.rng;
    if (rng.chance(cfg.proposalRate)) {
      const up = this.upNodes();
      if (up.length) {
        this.propose(rng.pick(up), `s${this.seed}-${++this.counter}`);
      }
    }
    if (rng.chance(cfg.readRate)) {
      const up = this.upNodes();
      if (up.length) {
        const n = rng.pick(up);
        const ctx = `${n.id}-r${++this.counter}`;
        this.checker.startRead(ctx);
        try {
          n.rawNode!.readIndex(ctx);
        } catch (e) {
          if (!(e instanceof ProposalDroppedError)) throw e;
        }
      }
    }
    if (rng.chance(cfg.transferRate)) {
      const l = this.leader();
      if (l) {
        const voters = l.rawNode!.raft.prs.voterIds();
        const to = rng.pick(voters);
        this.stats.transfers++;
        this.log(`transfer leadership ${l.id} -> ${to}`);
        l.rawNode!.transferLeadership(to);
      }
    }
    if (this.net.partitioned) {
      if (this.now >= this.healAt) {
        this.net.heal();
        this.log("partition healed");
      }
    } else if (rng.chance(cfg.partitionRate)) {
      this.formPartition();
    }
    if (
      rng.chance(cfg.crashRate) &&
      this.downUntil.size + this.pendingCrash.size < cfg.maxDown
    ) {
      const up = this.upNodes();
      if (up.length) {
        const n = rng.pick(up);
        if (rng.chance(cfg.midReadyCrashShare)) {
          const point: CrashPoint = rng.chance(0.5)
            ? "beforePersist"
            : "afterPersist";
          this.pendingCrash.set(n.id, point);
        } else {
          this.crash(n, "between Readys");
        }
      }
    }
    if (rng.chance(cfg.membershipRate)) this.changeMembership();
  }

  private propose(n: SimNode, data: string): boolean {
    try {
      n.rawNode!.propose(data);
      return true;
    } catch (e) {
      if (!(e instanceof ProposalDroppedError)) throw e;
      this.stats.proposalsDropped++;
      return false;
    }
  }

  private formPartition(): void {
    const rng = this.rng;
    const ids = [...this.nodes.keys()];
    this.stats.partitions++;
    this.healAt = this.now +
      rng.int(this.cfg.partitionTicks[0], this.cfg.partitionTicks[1]);
    if (rng.chance(this.cfg.oneWayShare)) {
      const x = rng.pick(ids);
      const mode = rng.int(0, 2);
      for (const y of ids) {
        if (y === x) continue;
        if (mode === 0) this.net.cutOneWay(x, y); // x cannot send
        else if (mode === 1) this.net.cutOneWay(y, x); // x cannot hear
        else if (rng.chance(0.5)) this.net.cutOneWay(x, y);
      }
      this.log(
        `one-way partition around ${x} (mode ${mode}) until t${this.healAt}`,
      );
    } else {
      rng.shuffle(ids);
      const k = rng.int(1, ids.length - 1);
      this.net.partition(ids.slice(0, k), ids.slice(k));
      this.log(
        `partition ${ids.slice(0, k).join(",")} | ${
          ids.slice(k).join(",")
        } until t${this.healAt}`,
      );
    }
  }

  private changeMembership(): void {
    const l = this.leader();
    if (!l) return;
    const cs = l.rawNode!.raft.prs.confState();
    const learners = cs.learners ?? [];
    const members = cs.voters.length + learners.length;
    const rng = this.rng;
    const choices: Array<"add" | "promote" | "remove"> = [];
    if (members < this.cfg.maxMembers) choices.push("add");
    if (learners.length) choices.push("promote");
    if (cs.voters.length > this.cfg.minVoters) choices.push("remove");
    if (!choices.length) return;
    const what = rng.pick(choices);
    let cc: ConfChange;
    let added: SimNode | undefined;
    if (what === "add") {
      const id = String(this.nextId++);
      added = new SimNode(id, undefined);
      // A joining member learns the cluster's membership (including removed IDs) when it starts.
      added.removed = new Set(l.removed);
      this.nodes.set(id, added);
      added.start(this.cfg.node, rng.seed());
      this.checker.afterStep(added);
      cc = {
        type: this.cfg.learners && rng.chance(0.5) ? "addLearner" : "addNode",
        nodeId: id,
        context: "",
      };
    } else if (what === "promote") {
      cc = { type: "addNode", nodeId: rng.pick(learners), context: "" };
    } else {
      cc = { type: "removeNode", nodeId: rng.pick(cs.voters), context: "" };
    }
    try {
      l.rawNode!.proposeConfChange(cc);
      if (cc.type === "removeNode" && cc.nodeId === l.id) {
        this.stats.leaderSelfRemovals++;
      }
      this.log(`propose ${cc.type} ${cc.nodeId} via ${l.id}`);
    } catch (e) {
      if (!(e instanceof ProposalDroppedError)) throw e;
      if (added) {
        added.crash();
        this.nodes.delete(added.id);
      }
    }
  }

  /** Ends the chaos: the network calms down, partitions heal, crashed nodes restart. */
  heal(): void {
    this.chaos = false;
    this.net.heal();
    this.net.faults = CALM;
    this.pendingCrash.clear();
    for (const id of [...this.downUntil.keys()]) {
      this.restart(this.nodes.get(id)!);
    }
    this.log("healed");
  }

  /** After healing, a leader must commit a new proposal and every member must apply it, within the bound. */
  checkLiveness(): void {
    const deadline = this.now + this.cfg.livenessTicks;
    this.marker = `live-${this.seed}`;
    let proposed = false;
    while (this.now < deadline) {
      this.step();
      const l = this.leader();
      if (!l) continue;
      if (!proposed || (this.now % 20 === 0 && this.markerIndex === 0)) {
        proposed = this.propose(l, this.marker) || proposed;
      }
      if (this.markerIndex === 0) continue;
      // Every member must have applied it (directly or through a snapshot covering it).
      if (
        this.currentMembers(l).every((id) =>
          this.applied(id) >= this.markerIndex
        )
      ) return;
    }
    const l = this.leader();
    const members = l ? this.currentMembers(l) : [];
    const status = [...this.nodes.values()].map((n) =>
      n.up
        ? `${n.id}:${n.rawNode!.raft.state}/t${n.rawNode!.raft.term}/c${
          n.rawNode!.raft.raftLog.committed
        }/a${n.appliedIndex}` +
          `/last${n.rawNode!.raft.raftLog.lastIndex()}`
        : `${n.id}:down`
    ).join(" ");
    throw new InvariantViolation(
      "liveness",
      `no leader committed and applied a proposal on all members within ${this.cfg.livenessTicks} ticks of healing ` +
        `(leader ${l?.id ?? "none"}, members ${
          members.join(",")
        }, marker at ${this.markerIndex}); ${status}`,
    );
  }

  private applied(id: NodeId): number {
    const n = this.nodes.get(id);
    return n && n.up ? n.appliedIndex : -1;
  }

  private currentMembers(l: SimNode): NodeId[] {
    const cs = l.rawNode!.raft.prs.confState();
    return [...cs.voters, ...(cs.learners ?? [])];
  }
}

export function runSim(
  cfg: SimConfig,
  seed: number,
  opts: SimOptions = {},
): SimStats {
  return new Sim(cfg, seed, opts).run();
}
