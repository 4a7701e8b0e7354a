// The v2 keyspace: a tree of nodes with a global index, TTLs, event history
// and watchers. Mutations are deterministic functions of their arguments:
// expiry times come from the caller (carried in the log entry), never from
// the local clock, so every replica applying the same log agrees. The clock
// is only used to print remaining TTLs.

import { Code, EtcdError } from "./errors.ts";
import { StoreEvent } from "./event.ts";
import { EventHistory } from "./event_history.ts";
import { TreeNode } from "./node.ts";
import { cleanPath, splitPath } from "./path.ts";
import { type StatOp, StoreCounters } from "./stats.ts";
import { TtlHeap } from "./ttl_heap.ts";
import { Watcher, WatcherHub } from "./watcher_hub.ts";
import type { V2Action, V2Node } from "../../shared/api.ts";
import { formatExpiration, ttlSeconds } from "./time.ts";

export interface TtlOptions {
  /** Absolute expiry in ms since the epoch; 0 = permanent. */
  expireAt: number;
  /** Renew the TTL without changing the value or waking watchers. */
  refresh?: boolean;
}

const permanent: TtlOptions = { expireAt: 0 };

export class Store {
  root = new TreeNode("/", null, 0, 0, null, 0);
  index = 0;
  readonly history = new EventHistory(1000);
  readonly hub = new WatcherHub(this.history);
  readonly ttlHeap = new TtlHeap();
  readonly stats = new StoreCounters();

  constructor(readonly clock: () => number = Date.now) {}

  /** Replaces the whole keyspace with another's (a snapshot from the leader); watchers stay registered. */
  replaceWith(other: Store): void {
    this.root = other.root;
    this.index = other.index;
    this.history.replaceWith(other.history);
    this.ttlHeap.replaceWith(other.ttlHeap);
  }

  // ---- reads ----

  get(path: string, recursive = false, sorted = false): StoreEvent {
    path = cleanPath(path);
    try {
      const n = this.internalGet(path);
      const now = this.clock();
      const node: V2Node = n === this.root ? {} : { key: n.path };
      if (n.isDir) {
        node.dir = true;
        const nodes = n.listVisible(recursive, sorted, now);
        if (nodes.length > 0) node.nodes = nodes;
      } else {
        node.value = n.value!;
      }
      if (!n.isPermanent) {
        node.expiration = formatExpiration(n.expireAt);
        const ttl = ttlSeconds(n.expireAt, now);
        if (ttl > 0) node.ttl = ttl;
      }
      if (n.modifiedIndex) node.modifiedIndex = n.modifiedIndex;
      if (n.createdIndex) node.createdIndex = n.createdIndex;
      this.stats.inc("gets", true);
      return new StoreEvent("get", node, undefined, this.index);
    } catch (err) {
      this.stats.inc("gets", false);
      throw err;
    }
  }

  /** Registers a watcher (or answers it at once from history). */
  watch(
    path: string,
    recursive: boolean,
    stream: boolean,
    sinceIndex: number,
    deliver: (e: StoreEvent) => void,
  ): Watcher {
    path = cleanPath(path);
    if (sinceIndex === 0) sinceIndex = this.index + 1;
    const w = new Watcher(recursive, stream, sinceIndex, this.index, deliver);
    try {
      this.hub.watch(path, w);
    } catch (err) {
      if (err instanceof EtcdError) err.index = this.index;
      throw err;
    }
    return w;
  }

  // ---- mutations ----

  set(path: string, dir: boolean, value: string, ttl: TtlOptions = permanent): StoreEvent {
    return this.counted("sets", () => {
      path = cleanPath(path);
      // A missing key is the common case for set: look it up without
      // throwing (an Error per new key costs a stack trace, in replay too).
      const prev = this.lookup(path) ?? undefined;
      if (!prev && ttl.refresh) this.internalGet(path);
      if (ttl.refresh && prev) value = prev.value ?? "";
      const e = this.internalCreate(path, dir, value, false, true, ttl.expireAt, "set");
      if (prev) e.prevNode = prev.repr(false, false, this.clock());
      this.publish(e, ttl.refresh);
      return e;
    });
  }

  create(path: string, dir: boolean, value: string, unique: boolean, ttl: TtlOptions = permanent): StoreEvent {
    return this.counted("create", () => {
      const e = this.internalCreate(path, dir, value, unique, false, ttl.expireAt, "create");
      this.publish(e, false);
      return e;
    });
  }

  update(path: string, value: string, ttl: TtlOptions = permanent): StoreEvent {
    return this.counted("update", () => {
      path = cleanPath(path);
      if (path === "/") throw new EtcdError(Code.RootReadOnly, "/", this.index);
      const n = this.internalGet(path);
      if (n.isDir && value.length !== 0) throw new EtcdError(Code.NotFile, path, this.index);
      if (ttl.refresh) value = n.value ?? "";
      const next = this.index + 1;
      const prevNode = n.repr(false, false, this.clock());
      // etcd leaves a directory's modifiedIndex alone on update; only files change.
      if (!n.isDir) {
        n.value = value;
        n.modifiedIndex = next;
      }
      this.updateTtl(n, ttl.expireAt);
      const node: V2Node = { key: path };
      if (n.isDir) node.dir = true;
      else node.value = value;
      this.addExpiry(node, n);
      node.modifiedIndex = next;
      node.createdIndex = n.createdIndex;
      this.index = next;
      const e = new StoreEvent("update", node, prevNode, next);
      this.publish(e, ttl.refresh);
      return e;
    });
  }

  compareAndSwap(
    path: string,
    prevValue: string,
    prevIndex: number,
    value: string,
    ttl: TtlOptions = permanent,
  ): StoreEvent {
    return this.counted("compareAndSwap", () => {
      path = cleanPath(path);
      if (path === "/") throw new EtcdError(Code.RootReadOnly, "/", this.index);
      const n = this.internalGet(path);
      if (n.isDir) throw new EtcdError(Code.NotFile, path, this.index);
      this.compare(n, prevValue, prevIndex);
      if (ttl.refresh) value = n.value!;
      const next = ++this.index;
      const prevNode = n.repr(false, false, this.clock());
      n.value = value;
      n.modifiedIndex = next;
      this.updateTtl(n, ttl.expireAt);
      const node: V2Node = { key: path, value };
      this.addExpiry(node, n);
      node.modifiedIndex = next;
      node.createdIndex = n.createdIndex;
      const e = new StoreEvent("compareAndSwap", node, prevNode, next);
      this.publish(e, ttl.refresh);
      return e;
    });
  }

  delete(path: string, dir: boolean, recursive: boolean): StoreEvent {
    return this.counted("delete", () => {
      path = cleanPath(path);
      if (path === "/") throw new EtcdError(Code.RootReadOnly, "/", this.index);
      if (recursive) dir = true;
      const n = this.internalGet(path);
      const next = this.index + 1;
      const node: V2Node = { key: path };
      if (n.isDir) node.dir = true;
      node.modifiedIndex = next;
      node.createdIndex = n.createdIndex;
      const e = new StoreEvent("delete", node, n.repr(false, false, this.clock()), next);
      this.removeNode(n, dir, recursive, e);
      this.index = next;
      this.hub.notify(e);
      return e;
    });
  }

  compareAndDelete(path: string, prevValue: string, prevIndex: number): StoreEvent {
    return this.counted("compareAndDelete", () => {
      path = cleanPath(path);
      const n = this.internalGet(path);
      if (n.isDir) throw new EtcdError(Code.NotFile, path, this.index);
      this.compare(n, prevValue, prevIndex);
      const next = ++this.index;
      const node: V2Node = { key: path, modifiedIndex: next, createdIndex: n.createdIndex };
      const e = new StoreEvent("compareAndDelete", node, n.repr(false, false, this.clock()), next);
      this.removeNode(n, false, false, e);
      this.hub.notify(e);
      return e;
    });
  }

  /** Removes every node whose expiry is at or before `cutoff` (ms), one event each. */
  deleteExpired(cutoff: number): StoreEvent[] {
    const events: StoreEvent[] = [];
    for (;;) {
      const n = this.ttlHeap.top();
      if (!n || n.expireAt > cutoff) break;
      const next = ++this.index;
      const node: V2Node = { key: n.path };
      if (n.isDir) node.dir = true;
      node.modifiedIndex = next;
      node.createdIndex = n.createdIndex;
      const e = new StoreEvent("expire", node, n.repr(false, false, this.clock()), next);
      this.ttlHeap.remove(n);
      this.removeNode(n, true, true, e);
      this.stats.expireCount++;
      this.hub.notify(e);
      events.push(e);
    }
    return events;
  }

  /** Expiry time (ms) of the node that expires first, or 0 if none has a TTL. */
  nextExpiry(): number {
    return this.ttlHeap.top()?.expireAt ?? 0;
  }

  // ---- internals ----

  private counted(op: StatOp, fn: () => StoreEvent): StoreEvent {
    try {
      const e = fn();
      this.stats.inc(op, true);
      return e;
    } catch (err) {
      this.stats.inc(op, false);
      throw err;
    }
  }

  private publish(e: StoreEvent, refresh: boolean | undefined): void {
    if (refresh) this.hub.addSilently(e);
    else this.hub.notify(e);
  }

  private compare(n: TreeNode, prevValue: string, prevIndex: number): void {
    const indexOk = prevIndex === 0 || n.modifiedIndex === prevIndex;
    const valueOk = prevValue === "" || n.value === prevValue;
    if (indexOk && valueOk) return;
    let cause: string;
    if (!valueOk && !indexOk) cause = `[${prevValue} != ${n.value}] [${prevIndex} != ${n.modifiedIndex}]`;
    else if (!valueOk) cause = `[${prevValue} != ${n.value}]`;
    else cause = `[${prevIndex} != ${n.modifiedIndex}]`;
    throw new EtcdError(Code.TestFailed, cause, this.index);
  }

  private internalGet(path: string): TreeNode {
    const n = this.lookup(path);
    if (n) return n;
    throw new EtcdError(Code.KeyNotFound, this.firstMissing(path), this.index);
  }

  /** The node at path, or null when a path element is missing (a file on the way is still NotDir). */
  private lookup(path: string): TreeNode | null {
    if (path === "/") return this.root;
    let n = this.root;
    let start = 1;
    for (;;) {
      const end = path.indexOf("/", start);
      const name = end === -1 ? path.slice(start) : path.slice(start, end);
      if (n.children === null) throw new EtcdError(Code.NotDir, n.path, this.index);
      const child = n.children.get(name);
      if (!child) return null;
      n = child;
      if (end === -1) return n;
      start = end + 1;
    }
  }

  /** The shortest prefix of path that does not exist (etcd's KeyNotFound cause). */
  private firstMissing(path: string): string {
    let n = this.root;
    let start = 1;
    for (;;) {
      const end = path.indexOf("/", start);
      const child = n.children?.get(end === -1 ? path.slice(start) : path.slice(start, end));
      if (!child || end === -1) return end === -1 ? path : path.slice(0, end);
      n = child;
      start = end + 1;
    }
  }

  private internalCreate(
    path: string,
    dir: boolean,
    value: string,
    unique: boolean,
    replace: boolean,
    expireAt: number,
    action: V2Action,
  ): StoreEvent {
    const next = this.index + 1;
    if (unique) path += "/" + String(next).padStart(20, "0");
    path = cleanPath(path);
    if (path === "/") throw new EtcdError(Code.RootReadOnly, "/", this.index);
    const [dirPath, name] = splitPath(path);
    const parent = this.walkCreatingDirs(dirPath, next);
    let prevNode: V2Node | undefined;
    const existing = parent.children!.get(name);
    if (existing) {
      if (!replace) throw new EtcdError(Code.NodeExist, path, this.index);
      if (existing.isDir) throw new EtcdError(Code.NotFile, path, this.index);
      prevNode = existing.repr(false, false, this.clock());
      this.detach(existing);
    }
    const n = new TreeNode(path, dir ? null : value, next, next, parent, expireAt);
    parent.children!.set(name, n);
    const node: V2Node = { key: path };
    if (dir) node.dir = true;
    else node.value = value;
    if (expireAt !== 0) {
      this.ttlHeap.push(n);
      this.addExpiry(node, n);
    }
    node.modifiedIndex = next;
    node.createdIndex = next;
    this.index = next;
    return new StoreEvent(action, node, prevNode, next);
  }

  /** Walks to a directory, creating missing ones (etcd's checkDir). */
  private walkCreatingDirs(dirPath: string, createIndex: number): TreeNode {
    let n = this.root;
    if (dirPath === "/") return n;
    for (const name of dirPath.slice(1).split("/")) {
      let child = n.children!.get(name);
      if (!child) {
        child = new TreeNode(n === this.root ? "/" + name : n.path + "/" + name, null, createIndex, createIndex, n, 0);
        n.children!.set(name, child);
      } else if (!child.isDir) {
        throw new EtcdError(Code.NotDir, child.path, this.index);
      }
      n = child;
    }
    return n;
  }

  private addExpiry(out: V2Node, n: TreeNode): void {
    if (n.expireAt !== 0) {
      out.expiration = formatExpiration(n.expireAt);
      const ttl = ttlSeconds(n.expireAt, this.clock());
      if (ttl > 0) out.ttl = ttl;
    }
  }

  private updateTtl(n: TreeNode, expireAt: number): void {
    if (n.expireAt === expireAt) return;
    n.expireAt = expireAt;
    if (expireAt === 0) this.ttlHeap.remove(n);
    else this.ttlHeap.update(n);
  }

  /** Unlinks a node (and its subtree) without events. */
  private detach(n: TreeNode): void {
    n.parent?.children!.delete(n.name);
    this.dropTtls(n);
  }

  private dropTtls(n: TreeNode): void {
    if (n.expireAt !== 0) this.ttlHeap.remove(n);
    if (n.children) for (const c of n.children.values()) this.dropTtls(c);
  }

  /** etcd's node.Remove: checks dir/recursive, then removes, notifying watchers below. */
  private removeNode(n: TreeNode, dir: boolean, recursive: boolean, e: StoreEvent): void {
    if (n.isDir) {
      if (!dir) throw new EtcdError(Code.NotFile, n.path, this.index);
      if (n.children!.size !== 0 && !recursive) throw new EtcdError(Code.DirNotEmpty, n.path, this.index);
    }
    n.parent?.children!.delete(n.name);
    this.dropTtls(n);
    if (n.isDir) this.hub.notifyBelow(e, n.path);
  }
}
