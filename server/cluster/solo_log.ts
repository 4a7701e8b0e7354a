// The replicated log of a one-member cluster without Raft elections: each
// proposal gets the next index, is appended to the write-ahead log and
// fsynced (proposals that arrive while a sync is running share the next
// one: group commit), then applied in order, then answered.

import type { Wal, WalEntry } from "../storage/mod.ts";

export type Applier = (entry: WalEntry) => unknown;

interface Pending {
  entry: WalEntry;
  resolve: (result: unknown) => void;
  reject: (err: unknown) => void;
}

export class SoloLog {
  private queue: Pending[] = [];
  private flushing = false;
  private closed = false;

  constructor(
    private readonly wal: Wal,
    public lastIndex: number,
    readonly term: number,
    private readonly apply: Applier,
    private readonly afterApply: (index: number) => void = () => {},
  ) {}

  /** Appends, syncs and applies `data`; resolves with the applier's result. */
  propose(data: string, type: WalEntry["type"] = "normal"): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error("member is stopping"));
    return new Promise((resolve, reject) => {
      const entry: WalEntry = { index: ++this.lastIndex, term: this.term, type, data };
      this.queue.push({ entry, resolve, reject });
      if (!this.flushing) this.flush();
    });
  }

  /** Waits for everything proposed so far, then refuses new proposals. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await new Promise((r) => setTimeout(r, 5));
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.wal.append(batch.map((p) => p.entry));
      } catch (err) {
        // Nothing in the batch is durable, and the log now has a gap we
        // cannot paper over: fail everything and take no more proposals.
        this.closed = true;
        for (const p of [...batch, ...this.queue]) p.reject(err);
        this.queue = [];
        break;
      }
      for (const p of batch) {
        try {
          p.resolve(this.apply(p.entry));
        } catch (err) {
          p.reject(err);
        }
      }
      this.afterApply(batch[batch.length - 1].entry.index);
    }
    this.flushing = false;
  }
}
