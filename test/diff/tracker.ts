// What the oracle has told us so far about the keys of one sequence, in
// relative indexes. The runner uses it to fill in request parameters that
// depend on earlier answers (a prevValue that matches, a waitIndex that has
// an event, an in-order key that exists). It only has to be good enough to
// make such requests likely to hit; both servers always get the same request.
import type { NormalRecord } from "./normalize.ts";

export interface TrackedNode {
  value: string | null;
  modifiedIndex: number;
}

export interface TrackedEvent {
  key: string;
  index: number;
}

/** The parts of a request the tracker needs to interpret its answer. */
export interface ObservedRequest {
  method: string;
  isWait: boolean;
  isRefresh: boolean;
}

interface JsonNode {
  key?: unknown;
  value?: unknown;
  dir?: unknown;
  modifiedIndex?: unknown;
  nodes?: unknown;
}

const WRITE_ACTIONS = new Set(["set", "create", "update", "compareAndSwap"]);
const DELETE_ACTIONS = new Set(["delete", "compareAndDelete", "expire"]);

export class Tracker {
  readonly nodes = new Map<string, TrackedNode>();
  readonly events: TrackedEvent[] = [];
  /** In-order keys (normalized, `#<rel>` names) by parent directory key. */
  readonly inorder = new Map<string, string[]>();
  /** The last X-Etcd-Index seen, relative. */
  currentIndex = 0;

  constructor(readonly prefix: string) {}

  /** Full key for a path below the prefix ("" is the prefix itself). */
  keyOf(path: string): string {
    return path === "" ? this.prefix : `${this.prefix}/${path}`;
  }

  observe(req: ObservedRequest, rec: NormalRecord): void {
    // A watch answers with a past event and the index of when it began: it
    // says nothing about the present.
    if (req.isWait) return;
    if (typeof rec.headers.etcdIndex === "number") this.currentIndex = rec.headers.etcdIndex;
    if (rec.status !== 200 && rec.status !== 201) return;
    const body = rec.body as { action?: unknown; node?: JsonNode } | null;
    if (body === null || typeof body !== "object" || typeof body.node !== "object") return;
    const node = body.node;
    const action = body.action;
    if (req.method === "GET" || req.method === "HEAD") {
      if (action === "get") this.learnTree(node);
      return;
    }
    if (typeof node.key !== "string" || typeof node.modifiedIndex !== "number") return;
    if (WRITE_ACTIONS.has(action as string)) {
      this.nodes.set(node.key, {
        value: typeof node.value === "string" ? node.value : null,
        modifiedIndex: node.modifiedIndex,
      });
      // A refresh leaves no event a watcher could see.
      if (!req.isRefresh) this.events.push({ key: node.key, index: node.modifiedIndex });
      if (req.method === "POST" && action === "create") {
        const parent = node.key.slice(0, node.key.lastIndexOf("/"));
        const list = this.inorder.get(parent) ?? [];
        list.push(node.key);
        this.inorder.set(parent, list);
      }
    } else if (DELETE_ACTIONS.has(action as string)) {
      this.forget(node.key);
      this.events.push({ key: node.key, index: node.modifiedIndex });
    }
  }

  private learnTree(node: JsonNode): void {
    if (typeof node.key === "string" && typeof node.modifiedIndex === "number") {
      this.nodes.set(node.key, {
        value: typeof node.value === "string" ? node.value : null,
        modifiedIndex: node.modifiedIndex,
      });
    }
    if (Array.isArray(node.nodes)) { for (const child of node.nodes) this.learnTree(child as JsonNode); }
  }

  private forget(key: string): void {
    const below = `${key}/`;
    for (const k of [...this.nodes.keys()]) {
      if (k === key || k.startsWith(below)) this.nodes.delete(k);
    }
    for (const [dir, keys] of this.inorder) {
      this.inorder.set(dir, keys.filter((k) => k !== key && !k.startsWith(below)));
    }
  }
}
