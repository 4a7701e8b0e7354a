// One node of the v2 keyspace tree: a file (value) or a directory (children).

import type { V2Node } from "../../shared/api.ts";
import { formatExpiration, ttlSeconds } from "./time.ts";

export class TreeNode {
  /** Position in the TTL heap, maintained by TtlHeap; -1 when not in it. */
  heapPos = -1;

  constructor(
    readonly path: string,
    public value: string | null, // null for directories
    public createdIndex: number,
    public modifiedIndex: number,
    public parent: TreeNode | null,
    public expireAt: number, // ms since epoch; 0 = permanent
    public children: Map<string, TreeNode> | null = value === null ? new Map() : null,
  ) {}

  get isDir(): boolean {
    return this.children !== null;
  }

  get name(): string {
    return this.path.slice(this.path.lastIndexOf("/") + 1);
  }

  get isHidden(): boolean {
    return this.name.startsWith("_");
  }

  get isPermanent(): boolean {
    return this.expireAt === 0;
  }

  /** The node as etcd prints it; `recursive` lists all descendants, hidden ones left out. */
  repr(recursive: boolean, sorted: boolean, now: number): V2Node {
    const out: V2Node = { key: this.path };
    if (this.children === null) {
      out.value = this.value as string;
    } else {
      out.dir = true;
    }
    if (this.expireAt !== 0) {
      out.expiration = formatExpiration(this.expireAt);
      const ttl = ttlSeconds(this.expireAt, now);
      if (ttl > 0) out.ttl = ttl; // etcd omits a zero ttl (expired, not yet removed)
    }
    if (recursive && this.children !== null) {
      const nodes = this.listVisible(recursive, sorted, now);
      if (nodes.length > 0) out.nodes = nodes;
    }
    out.modifiedIndex = this.modifiedIndex;
    out.createdIndex = this.createdIndex;
    return out;
  }

  /** Children as listed by a GET of this directory (hidden ones left out). */
  listVisible(recursive: boolean, sorted: boolean, now: number): V2Node[] {
    const nodes: V2Node[] = [];
    for (const child of this.children!.values()) {
      if (!child.isHidden) nodes.push(child.repr(recursive, sorted, now));
    }
    if (sorted) nodes.sort((a, b) => (a.key! < b.key! ? -1 : a.key! > b.key! ? 1 : 0));
    return nodes;
  }
}
