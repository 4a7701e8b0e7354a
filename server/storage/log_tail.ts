// The part of the Raft log the WAL holds after the newest snapshot, with
// Raft's overwrite rule: writing index i replaces the entry at i and drops
// everything after it. Recovery replays records into a LogTail<WalEntry>;
// the live Wal keeps a LogTail<number> of terms so it can validate appends
// and decide what a snapshot marker means, without keeping entry data.

export class LogTail<T> {
  /** Index of items[0]. */
  private base = 1;
  private items: T[] = [];

  /** Index the next in-order entry gets minus one; base-1 when empty. */
  get lastIndex(): number {
    return this.base + this.items.length - 1;
  }

  get firstIndex(): number {
    return this.base;
  }

  get size(): number {
    return this.items.length;
  }

  at(index: number): T | undefined {
    return index >= this.base ? this.items[index - this.base] : undefined;
  }

  /**
   * Puts `item` at `index`, dropping whatever was at or after it. An index
   * outside [firstIndex, lastIndex+1] starts the tail over at `index`; that
   * happens on replay when older segments were deleted, and callers that
   * must not allow it check before calling.
   */
  put(index: number, item: T): void {
    if (index >= this.base && index <= this.lastIndex + 1) {
      this.items.length = index - this.base;
      this.items.push(item);
    } else {
      this.base = index;
      this.items = [item];
    }
  }

  /**
   * Applies a snapshot at `index`. keepAfter: entries after it stay (the
   * snapshot compacted this log). Otherwise the whole log is replaced and
   * the next entry is index+1.
   */
  compact(index: number, keepAfter: boolean): void {
    if (!keepAfter) {
      this.items = [];
      this.base = index + 1;
      return;
    }
    if (index < this.base) return;
    this.items = this.items.slice(Math.min(index + 1 - this.base, this.items.length));
    this.base = index + 1;
  }

  values(): T[] {
    return this.items.slice();
  }
}
