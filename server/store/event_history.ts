// The last N events (etcd keeps 1000), scanned to answer watches with waitIndex.

import { Code, EtcdError } from "./errors.ts";
import type { StoreEvent } from "./event.ts";

export class EventHistory {
  private ring: (StoreEvent | undefined)[];
  private front = 0; // position of the oldest event
  private count = 0;

  constructor(readonly capacity = 1000) {
    this.ring = new Array(capacity);
  }

  get startIndex(): number {
    return this.count === 0 ? 0 : this.at(0).index;
  }

  get lastIndex(): number {
    return this.count === 0 ? 0 : this.at(this.count - 1).index;
  }

  replaceWith(other: EventHistory): void {
    this.ring = other.ring;
    this.front = other.front;
    this.count = other.count;
  }

  add(e: StoreEvent): void {
    if (this.count < this.capacity) {
      this.ring[(this.front + this.count) % this.capacity] = e;
      this.count++;
    } else {
      this.ring[this.front] = e;
      this.front = (this.front + 1) % this.capacity;
    }
  }

  /** Events oldest first (for snapshots). */
  all(): StoreEvent[] {
    const out: StoreEvent[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.at(i));
    return out;
  }

  /**
   * The first event at or after `index` that a watcher of `key` would see,
   * null if there is none yet, or 401 if `index` fell out of the history.
   */
  scan(key: string, recursive: boolean, index: number): StoreEvent | null {
    if (index < this.startIndex) {
      throw new EtcdError(
        Code.EventIndexCleared,
        `the requested history has been cleared [${this.startIndex}/${index}]`,
        0,
      );
    }
    if (index > this.lastIndex) return null;
    const prefix = key.endsWith("/") ? key : key + "/";
    for (let i = this.firstAtOrAfter(index); i < this.count; i++) {
      const e = this.at(i);
      if (e.refresh) continue;
      const k = e.node.key!;
      let ok = k === key || (recursive && k.startsWith(prefix));
      // Deleting or expiring a directory is an event for every key below it.
      if (!ok && (e.action === "delete" || e.action === "expire") && e.prevNode?.dir) {
        ok = key.startsWith(e.prevNode.key!);
      }
      if (ok) return e;
    }
    return null;
  }

  private at(i: number): StoreEvent {
    return this.ring[(this.front + i) % this.capacity]!;
  }

  private firstAtOrAfter(index: number): number {
    let lo = 0, hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.at(mid).index < index) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
