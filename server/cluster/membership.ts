// The cluster's member list: what /v2/members, /v2/machines and
// /v2/keys/_etcd/machines show. Changed only by applying log entries.

import type { V2Member } from "../../shared/api.ts";
import { compareIds } from "./ids.ts";

export class Membership {
  private byId = new Map<string, V2Member>();

  constructor(public clusterId: string, members: V2Member[] = []) {
    for (const m of members) this.byId.set(m.id, m);
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): V2Member | undefined {
    return this.byId.get(id);
  }

  byName(name: string): V2Member | undefined {
    for (const m of this.byId.values()) if (m.name === name) return m;
    return undefined;
  }

  /** Members in etcd's order: by numeric ID. */
  list(): V2Member[] {
    return [...this.byId.values()].sort((a, b) => compareIds(a.id, b.id));
  }

  upsert(m: V2Member): void {
    this.byId.set(m.id, m);
  }

  remove(id: string): boolean {
    return this.byId.delete(id);
  }

  /** All members' client URLs, in member order. */
  clientUrls(): string[] {
    return this.list().flatMap((m) => m.clientURLs);
  }

  toJSON(): { clusterId: string; members: V2Member[] } {
    return { clusterId: this.clusterId, members: this.list() };
  }

  static fromJSON(j: { clusterId: string; members: V2Member[] }): Membership {
    return new Membership(j.clusterId, j.members);
  }
}

/** etcd 0.2's /_etcd/machines/<name> value. */
export function machineValue(m: V2Member): string {
  return `raft=${m.peerURLs[0] ?? ""}&etcd=${m.clientURLs[0] ?? ""}`;
}
