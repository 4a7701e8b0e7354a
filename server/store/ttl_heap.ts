// A min-heap of nodes by expiry time, with removal and update in O(log n).

import type { TreeNode } from "./node.ts";

export class TtlHeap {
  private items: TreeNode[] = [];

  get size(): number {
    return this.items.length;
  }

  replaceWith(other: TtlHeap): void {
    this.items = other.items;
  }

  top(): TreeNode | undefined {
    return this.items[0];
  }

  push(n: TreeNode): void {
    n.heapPos = this.items.length;
    this.items.push(n);
    this.up(n.heapPos);
  }

  remove(n: TreeNode): void {
    const i = n.heapPos;
    if (i < 0 || this.items[i] !== n) return;
    const last = this.items.pop()!;
    n.heapPos = -1;
    if (i < this.items.length) {
      this.items[i] = last;
      last.heapPos = i;
      this.down(i);
      this.up(last.heapPos);
    }
  }

  /** Re-position a node whose expireAt changed (pushing it if absent). */
  update(n: TreeNode): void {
    if (n.heapPos < 0 || this.items[n.heapPos] !== n) return this.push(n);
    this.up(n.heapPos);
    this.down(n.heapPos);
  }

  private less(a: number, b: number): boolean {
    return this.items[a].expireAt < this.items[b].expireAt;
  }

  private swap(a: number, b: number): void {
    const x = this.items[a], y = this.items[b];
    this.items[a] = y;
    this.items[b] = x;
    y.heapPos = a;
    x.heapPos = b;
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
}
