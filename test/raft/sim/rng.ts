// The simulator's own seeded randomness (built on raft's seededRandom) with
// the few helpers a fault schedule needs.

import { seededRandom } from "../../../server/raft/rand.ts";

export class Rng {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = seededRandom(seed);
  }

  float(): number {
    return this.next();
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }

  /** Shuffles in place (Fisher-Yates) and returns xs. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = xs[i];
      xs[i] = xs[j];
      xs[j] = t;
    }
    return xs;
  }

  /** A fresh 32-bit seed for a sub-generator (e.g. a node's election timer). */
  seed(): number {
    return Math.floor(this.next() * 0x100000000) >>> 0;
  }
}
