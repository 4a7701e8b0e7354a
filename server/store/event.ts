// A change to the keyspace, as recorded in history and sent to watchers.

import type { V2Action, V2Event, V2Node } from "../../shared/api.ts";

export class StoreEvent {
  /** Refresh events bump the index but are invisible to watchers. */
  refresh = false;
  private json: string | undefined;

  constructor(
    readonly action: V2Action,
    readonly node: V2Node,
    public prevNode: V2Node | undefined,
    /** The store index right after this event (X-Etcd-Index). */
    public etcdIndex: number,
  ) {}

  /** Index of the change: the node's modifiedIndex. */
  get index(): number {
    return this.node.modifiedIndex ?? 0;
  }

  toJSON(): V2Event {
    const out: V2Event = { action: this.action, node: this.node };
    if (this.prevNode) out.prevNode = this.prevNode;
    return out;
  }

  /** The response body; encoded once however many watchers receive it. */
  encode(): string {
    return (this.json ??= JSON.stringify(this.toJSON()) + "\n");
  }
}
