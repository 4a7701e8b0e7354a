// Serializes the whole keyspace (tree, index, event history) for snapshots,
// and rebuilds it. History is kept so waitIndex works across restarts.

import type { V2Action, V2Node } from "../../shared/api.ts";
import { StoreEvent } from "./event.ts";
import { TreeNode } from "./node.ts";
import { Store } from "./store.ts";

// [name, value (null = dir), createdIndex, modifiedIndex, expireAt, children?]
type PackedNode = [string, string | null, number, number, number, PackedNode[]?];

interface PackedEvent {
  a: V2Action;
  n: V2Node;
  p?: V2Node;
  i: number;
  r?: 1;
}

export interface StoreSnapshot {
  version: 1;
  index: number;
  root: PackedNode[];
  history: PackedEvent[];
}

export function saveStore(store: Store): StoreSnapshot {
  const pack = (n: TreeNode): PackedNode => {
    const p: PackedNode = [n.name, n.value, n.createdIndex, n.modifiedIndex, n.expireAt];
    if (n.children) p.push([...n.children.values()].map(pack));
    return p;
  };
  return {
    version: 1,
    index: store.index,
    root: [...store.root.children!.values()].map(pack),
    history: store.history.all().map(packEvent),
  };
}

function packEvent(e: StoreEvent): PackedEvent {
  const p: PackedEvent = { a: e.action, n: e.node, i: e.etcdIndex };
  if (e.prevNode) p.p = e.prevNode;
  if (e.refresh) p.r = 1;
  return p;
}

/** Takes JSON text in pieces. */
export interface TextSink {
  write(text: string): void;
}

/**
 * Writes exactly `JSON.stringify(saveStore(store))` to `out`, piece by
 * piece: no packed tree and no whole string, which at 100k keys were about
 * 20 MB that each snapshot left behind until a full GC.
 */
export function writeStoreJson(store: Store, out: TextSink): void {
  out.write(`{"version":1,"index":${num(store.index)},"root":[`);
  writeChildren(store.root, out);
  out.write(`],"history":[`);
  let first = true;
  for (const e of store.history.all()) {
    out.write((first ? "" : ",") + JSON.stringify(packEvent(e)));
    first = false;
  }
  out.write("]}");
}

function writeChildren(dir: TreeNode, out: TextSink): void {
  let first = true;
  for (const n of dir.children!.values()) {
    const value = n.value === null ? "null" : JSON.stringify(n.value);
    out.write(
      `${first ? "" : ","}[${JSON.stringify(n.name)},${value},${num(n.createdIndex)},${num(n.modifiedIndex)},${num(n.expireAt)}`,
    );
    first = false;
    if (n.children) {
      out.write(",[");
      writeChildren(n, out);
      out.write("]");
    }
    out.write("]");
  }
}

/** A number as JSON.stringify writes it. */
function num(x: number): string {
  return Number.isFinite(x) ? String(x) : "null";
}

export function loadStore(snap: StoreSnapshot, clock?: () => number): Store {
  if (snap.version !== 1) throw new Error(`unsupported store snapshot version ${snap.version}`);
  const store = new Store(clock);
  store.index = snap.index;
  const unpack = (p: PackedNode, parent: TreeNode): TreeNode => {
    const path = parent.path === "/" ? "/" + p[0] : parent.path + "/" + p[0];
    const n = new TreeNode(path, p[1], p[2], p[3], parent, p[4]);
    if (n.expireAt !== 0) store.ttlHeap.push(n);
    if (p[5]) for (const c of p[5]) n.children!.set(c[0], unpack(c, n));
    return n;
  };
  for (const p of snap.root) store.root.children!.set(p[0], unpack(p, store.root));
  for (const p of snap.history) {
    const e = new StoreEvent(p.a, p.n, p.p, p.i);
    if (p.r) e.refresh = true;
    store.history.add(e);
  }
  return store;
}
