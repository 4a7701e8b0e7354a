// An in-process stand-in for a running member: the real Store, writes
// applied at once (after a tick, like a proposal), and a leader's expiry
// sweep every few milliseconds. Lets the lock service be tested without
// processes or Raft.

import { applyRequest, type V2Request } from "../../server/store/apply.ts";
import type { StoreEvent } from "../../server/store/event.ts";
import { Store } from "../../server/store/store.ts";
import type { ModulesBackend } from "../../server/modules/mod.ts";

export class FakeBackend implements ModulesBackend {
  readonly store = new Store();
  readonly clusterId = "fake";
  /** Every write applied, in order. */
  readonly log: V2Request[] = [];
  private sweeper = setInterval(() => this.store.deleteExpired(Date.now()), 10);

  async do(r: V2Request): Promise<StoreEvent> {
    await Promise.resolve();
    this.log.push(r);
    return applyRequest(this.store, r)!;
  }

  quorumGet(path: string, recursive: boolean, sorted: boolean): StoreEvent {
    return this.store.get(path, recursive, sorted);
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}
