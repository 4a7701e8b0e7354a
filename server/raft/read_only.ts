// Read-index requests waiting for the leader to confirm it is still the
// leader: each records the commit index at arrival and collects heartbeat
// acknowledgements; once a quorum acknowledged, it (and every request queued
// before it) can be answered with that index.

import type { Message, NodeId } from "./types.ts";

export interface ReadIndexStatus {
  req: Message;
  index: number;
  acks: Set<NodeId>;
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  /** Queues a request (m.context is its context) at commit index `index`. Duplicates are ignored. */
  addRequest(index: number, m: Message): void {
    const ctx = m.context ?? "";
    if (this.pending.has(ctx)) return;
    this.pending.set(ctx, { index, req: m, acks: new Set() });
    this.queue.push(ctx);
  }

  /** Records that `id` acknowledged the heartbeat carrying ctx; returns the acks so far. */
  recvAck(id: NodeId, ctx: string): ReadonlySet<NodeId> | undefined {
    const rs = this.pending.get(ctx);
    if (!rs) return undefined;
    rs.acks.add(id);
    return rs.acks;
  }

  /** Removes and returns the request with ctx and every request queued before it. */
  advance(ctx: string): ReadIndexStatus[] {
    const i = this.queue.indexOf(ctx);
    if (i < 0) return [];
    const done = this.queue.slice(0, i + 1);
    this.queue = this.queue.slice(i + 1);
    const out: ReadIndexStatus[] = [];
    for (const c of done) {
      const rs = this.pending.get(c);
      if (rs) out.push(rs);
      this.pending.delete(c);
    }
    return out;
  }

  /** The context of the newest pending request: heartbeats carry it. */
  lastPendingRequestCtx(): string | undefined {
    return this.queue.length === 0
      ? undefined
      : this.queue[this.queue.length - 1];
  }

  get size(): number {
    return this.queue.length;
  }
}
