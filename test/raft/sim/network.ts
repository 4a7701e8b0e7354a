// A simulated network between raft members: every message gets a delivery
// tick (random delay, so messages reorder), may be dropped or duplicated,
// and is lost if a partition separates sender and receiver at delivery.

import type { Message, NodeId } from "../../../server/raft/types.ts";
import type { Rng } from "./rng.ts";

export interface NetworkFaults {
  dropRate: number;
  dupRate: number;
  minDelay: number;
  maxDelay: number;
  /** Share of messages that are held much longer (up to spikeDelay ticks). */
  spikeRate: number;
  spikeDelay: number;
}

export const CALM: NetworkFaults = {
  dropRate: 0,
  dupRate: 0,
  minDelay: 1,
  maxDelay: 2,
  spikeRate: 0,
  spikeDelay: 0,
};

/** Messages are shared by sender and receivers: freezing them catches any code that mutates its input. */
function freeze(m: Message): Message {
  if (m.entries) {
    for (const e of m.entries) Object.freeze(e);
    Object.freeze(m.entries);
  }
  return Object.freeze(m);
}

export class SimNetwork {
  private readonly buckets = new Map<number, Message[]>();
  /** Directed links that are cut: "from->to". */
  private readonly blocked = new Set<string>();
  faults: NetworkFaults;
  sent = 0;
  dropped = 0;
  duplicated = 0;

  constructor(private readonly rng: Rng, faults: NetworkFaults) {
    this.faults = faults;
  }

  /** Queues m for delivery; returns false when it is lost right away. */
  send(m: Message, now: number): boolean {
    this.sent++;
    const f = this.faults;
    if (this.rng.chance(f.dropRate)) {
      this.dropped++;
      return false;
    }
    freeze(m);
    this.enqueue(m, now + this.delay());
    if (this.rng.chance(f.dupRate)) {
      this.duplicated++;
      this.enqueue(m, now + this.delay());
    }
    return true;
  }

  private delay(): number {
    const f = this.faults;
    if (f.spikeRate > 0 && this.rng.chance(f.spikeRate)) {
      return this.rng.int(f.maxDelay, f.spikeDelay);
    }
    return this.rng.int(f.minDelay, f.maxDelay);
  }

  private enqueue(m: Message, at: number): void {
    const b = this.buckets.get(at);
    if (b) b.push(m);
    else this.buckets.set(at, [m]);
  }

  /** The messages due at tick `now`, in random order, minus those a partition cuts. */
  take(now: number): Message[] {
    const b = this.buckets.get(now);
    if (!b) return [];
    this.buckets.delete(now);
    const out: Message[] = [];
    for (const m of this.rng.shuffle(b)) {
      if (this.blocked.size !== 0 && this.blocked.has(`${m.from}->${m.to}`)) {
        this.dropped++;
        continue;
      }
      out.push(m);
    }
    return out;
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blocked.has(`${from}->${to}`);
  }

  /** Cuts every link between the two groups, both ways. */
  partition(a: NodeId[], b: NodeId[]): void {
    for (const x of a) {
      for (const y of b) {
        this.blocked.add(`${x}->${y}`);
        this.blocked.add(`${y}->${x}`);
      }
    }
  }

  /** Cuts one direction only. */
  cutOneWay(from: NodeId, to: NodeId): void {
    this.blocked.add(`${from}->${to}`);
  }

  heal(): void {
    this.blocked.clear();
  }

  get partitioned(): boolean {
    return this.blocked.size !== 0;
  }

  /** Messages still in flight. */
  pending(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.length;
    return n;
  }
}
