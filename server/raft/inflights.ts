// Flow control: the last indexes of the append messages sent to a follower
// in replicate state and not yet acknowledged. A ring buffer of fixed size.

export class Inflights {
  private readonly buffer: number[];
  private start = 0;
  count = 0;
  readonly size: number;

  constructor(size: number) {
    this.size = size;
    this.buffer = new Array<number>(size).fill(0);
  }

  full(): boolean {
    return this.count === this.size;
  }

  /** Records a message whose last entry has `index`; indexes must be increasing. */
  add(index: number): void {
    if (this.full()) throw new Error("raft: cannot add into a full inflights");
    let next = this.start + this.count;
    if (next >= this.size) next -= this.size;
    this.buffer[next] = index;
    this.count++;
  }

  /** Frees every message whose last index is <= to (they were acknowledged). */
  freeLE(to: number): void {
    if (this.count === 0 || to < this.buffer[this.start]) return;
    let idx = this.start;
    let i = 0;
    for (; i < this.count; i++) {
      if (to < this.buffer[idx]) break;
      idx++;
      if (idx >= this.size) idx -= this.size;
    }
    this.count -= i;
    this.start = this.count === 0 ? 0 : idx;
  }

  /** Frees the oldest message (a heartbeat response shows the follower is alive). */
  freeFirstOne(): void {
    if (this.count > 0) this.freeLE(this.buffer[this.start]);
  }

  reset(): void {
    this.count = 0;
    this.start = 0;
  }
}
