// The keys browser: directory listings loaded lazily through /v2/keys, the
// selected node, and live updates from one recursive watch on "/" applied
// to whatever is loaded. etcd never lists keys whose names start with "_";
// the ones this page has met (created here, jumped to, seen by a watch) are
// remembered so "show hidden" can show them.

import { batch, computed, signal } from "@preact/signals";
import type { V2Event, V2Node } from "../../shared/api.ts";
import { ErrorCode, EtcdApiError, errorText, getNode } from "../api/keys.ts";
import { type Watch, type WatchStatus, watchKeys } from "../api/watch.ts";
import { ancestry, isHidden, parentOf, within } from "../lib/paths.ts";
import { navigate } from "./route.ts";

export interface Listing {
  /** The directory itself (its `nodes` left out). */
  node: V2Node;
  /** Its children, sorted by key, each without `nodes`. */
  children: V2Node[];
  error?: string;
}

export interface Detail {
  path: string;
  node: V2Node | null;
  loading: boolean;
  error?: string;
  notFound?: boolean;
  /** Deleted (or expired) while shown. */
  gone?: { action: string; index?: number };
}

export type TreeRow =
  | { kind: "node"; path: string; node: V2Node; depth: number; open: boolean; hidden: boolean }
  | { kind: "more"; dir: string; depth: number; remaining: number }
  | { kind: "note"; dir: string; depth: number; text: string };

/** Children shown per directory before "show more". */
export const TREE_PAGE = 100;
const MORE_STEP = 500;

export const listings = signal<ReadonlyMap<string, Listing>>(new Map());
export const loadingDirs = signal<ReadonlySet<string>>(new Set());
export const expanded = signal<ReadonlySet<string>>(new Set(["/"]));
export const showHidden = signal(false);
export const knownHidden = signal<ReadonlyMap<string, V2Node>>(new Map());
export const shownCount = signal<ReadonlyMap<string, number>>(new Map());
export const detail = signal<Detail>({ path: "/", node: null, loading: false });
export const liveStatus = signal<WatchStatus>({ state: "stopped" });

/** Children of `dir` as the tree shows them (hidden ones merged in when asked). */
export function childrenOf(dir: string): V2Node[] {
  const l = listings.value.get(dir);
  const kids = l?.children ?? [];
  if (!showHidden.value) return kids;
  const extra = [...knownHidden.value.values()].filter((n) => parentOf(n.key!) === dir && !kids.some((k) => k.key === n.key));
  return extra.length ? [...kids, ...extra].sort(byKey) : kids;
}

export const rows = computed<TreeRow[]>(() => {
  const ls = listings.value;
  const open = expanded.value;
  const counts = shownCount.value;
  const out: TreeRow[] = [];
  out.push({ kind: "node", path: "/", node: ls.get("/")?.node ?? { dir: true }, depth: 0, open: open.has("/"), hidden: false });
  const walk = (dir: string, depth: number) => {
    if (!open.has(dir)) return;
    const l = ls.get(dir);
    if (!l) {
      out.push({ kind: "note", dir, depth, text: loadingDirs.value.has(dir) ? "Loading…" : "Not loaded" });
      return;
    }
    if (l.error) out.push({ kind: "note", dir, depth, text: l.error });
    const kids = childrenOf(dir);
    if (kids.length === 0 && !l.error) out.push({ kind: "note", dir, depth, text: "Empty directory" });
    const limit = counts.get(dir) ?? TREE_PAGE;
    for (const c of kids.slice(0, limit)) {
      const path = c.key!;
      out.push({ kind: "node", path, node: c, depth, open: !!c.dir && open.has(path), hidden: isHidden(path) });
      if (c.dir) walk(path, depth + 1);
    }
    if (kids.length > limit) out.push({ kind: "more", dir, depth, remaining: kids.length - limit });
  };
  walk("/", 1);
  return out;
});

// ---- loading ----

/** Loads (or reloads) one directory's listing; null when `path` is not a directory. */
export async function loadDir(path: string): Promise<Listing | null> {
  loadingDirs.value = new Set([...loadingDirs.value, path]);
  try {
    const { event } = await getNode(path);
    const n = event.node!;
    if (!n.dir) {
      dropListing(path);
      return null;
    }
    return storeListing(path, n);
  } catch (err) {
    if (err instanceof EtcdApiError && err.errorCode === ErrorCode.KeyNotFound) {
      applyNow([{ action: "delete", node: { key: path, dir: true } }]);
      return null;
    }
    const old = listings.value.get(path);
    setListing(path, { node: old?.node ?? { key: path, dir: true }, children: old?.children ?? [], error: errorText(err) });
    return null;
  } finally {
    const next = new Set(loadingDirs.value);
    next.delete(path);
    loadingDirs.value = next;
  }
}

function storeListing(path: string, n: V2Node): Listing {
  const { nodes, ...self } = n;
  const l: Listing = { node: { ...self, key: path === "/" ? undefined : path }, children: (nodes ?? []).map(strip).sort(byKey) };
  batch(() => {
    setListing(path, l);
    if (isHidden(path)) remember(self);
  });
  return l;
}

function setListing(path: string, l: Listing): void {
  const m = new Map(listings.value);
  m.set(path, l);
  listings.value = m;
}

function dropListing(path: string): void {
  if (!listings.value.has(path)) return;
  const m = new Map(listings.value);
  m.delete(path);
  listings.value = m;
}

function remember(n: V2Node): void {
  if (!n.key) return;
  const m = new Map(knownHidden.value);
  m.set(n.key, strip(n));
  knownHidden.value = m;
}

// ---- expanding and selecting ----

export function expand(path: string): void {
  if (!expanded.value.has(path)) expanded.value = new Set([...expanded.value, path]);
  if (!listings.value.has(path) && !loadingDirs.value.has(path)) void loadDir(path);
}

export function collapse(path: string): void {
  if (!expanded.value.has(path)) return;
  const next = new Set(expanded.value);
  next.delete(path);
  expanded.value = next;
}

export function toggle(path: string): void {
  if (expanded.value.has(path)) collapse(path);
  else expand(path);
}

export function showMore(dir: string): void {
  const m = new Map(shownCount.value);
  m.set(dir, (m.get(dir) ?? TREE_PAGE) + MORE_STEP);
  shownCount.value = m;
}

let selectSeq = 0;

/** Shows a node in the detail pane (fresh from the member). */
export async function select(path: string): Promise<void> {
  const seq = ++selectSeq;
  const keep = detail.value.path === path ? detail.value.node : null;
  detail.value = { path, node: keep, loading: true };
  navigate("keys", path, true);
  try {
    const { event } = await getNode(path);
    if (seq !== selectSeq) return;
    const n = event.node!;
    if (n.dir) storeListing(path, n);
    else if (isHidden(path)) remember(n);
    const { nodes: _, ...self } = n;
    detail.value = { path, node: { ...self, key: path === "/" ? undefined : path }, loading: false };
  } catch (err) {
    if (seq !== selectSeq) return;
    const notFound = err instanceof EtcdApiError && err.errorCode === ErrorCode.KeyNotFound;
    detail.value = { path, node: null, loading: false, error: errorText(err), notFound };
  }
}

/** Opens every directory above `path`, then selects it (jump-to-path, links, reload). */
export async function reveal(path: string): Promise<void> {
  const chain = ancestry(path).slice(0, -1);
  for (const dir of chain) {
    expand(dir);
    if (!listings.value.has(dir)) {
      const l = await loadDir(dir);
      if (!l) break;
    }
  }
  if (isHidden(path) && !showHidden.value) showHidden.value = true;
  await select(path);
  // Going to a directory means wanting to see what is in it.
  if (detail.value.path === path && detail.value.node?.dir) expand(path);
}

/** Reloads every open directory and the selected node (after a gap in what we saw). */
export async function reloadAll(): Promise<void> {
  tombstones.clear();
  const open = [...expanded.value];
  // Closed directories are simply forgotten; they load again when opened.
  const m = new Map([...listings.value].filter(([p]) => expanded.value.has(p)));
  listings.value = m;
  await Promise.all(open.map((p) => loadDir(p)));
  await select(detail.value.path);
}

// ---- live updates ----

/** Index a path was deleted at, so an older event arriving later cannot resurrect it. */
const tombstones = new Map<string, number>();
let queue: V2Event[] = [];
let flushTimer: ReturnType<typeof setTimeout> | undefined;
let live: Watch | undefined;
let resumeFrom: number | undefined;

/** Follows every change below "/" while the keys view is open. */
export function startLive(): void {
  if (live) return;
  live = watchKeys("/", { recursive: true, fromIndex: resumeFrom }, {
    onEvent: (e) => {
      queue.push(e);
      flushTimer ??= setTimeout(flush, 30);
    },
    onStatus: (s) => (liveStatus.value = s),
    onGap: () => void reloadAll(),
  });
}

/** Stops following; the next startLive() resumes where this left off. */
export function endLive(): void {
  flush();
  resumeFrom = live?.nextIndex() ?? resumeFrom;
  live?.stop();
  live = undefined;
}

function flush(): void {
  clearTimeout(flushTimer);
  flushTimer = undefined;
  if (queue.length === 0) return;
  const evs = queue;
  queue = [];
  applyNow(evs);
}

const DELETES = new Set(["delete", "expire", "compareAndDelete"]);

/** Applies events (from the watch, or answers to our own writes) to what is loaded. */
export function applyNow(evs: V2Event[]): void {
  const ls = new Map(listings.value);
  const hidden = new Map(knownHidden.value);
  const copied = new Set<string>();
  let open = expanded.value;
  let det = detail.value;
  const editable = (dir: string): Listing | undefined => {
    const l = ls.get(dir);
    if (!l || copied.has(dir)) return l;
    const c = { ...l, children: [...l.children] };
    ls.set(dir, c);
    copied.add(dir);
    return c;
  };

  const upsert = (n: V2Node) => {
    const key = n.key!;
    const index = n.modifiedIndex ?? 0;
    if ((tombstones.get(key) ?? -1) > index) return;
    tombstones.delete(key);
    const chain = ancestry(key);
    for (let i = 0; i < chain.length - 1; i++) {
      const child = chain[i + 1];
      const last = child === key;
      const entry: V2Node = last ? strip(n) : { key: child, dir: true };
      if (isHidden(child)) {
        const had = hidden.get(child);
        if (last ? !had || (had.modifiedIndex ?? 0) <= index : !had) hidden.set(child, entry);
        continue;
      }
      const l = editable(chain[i]);
      if (l) put(l.children, entry, last);
    }
    if (n.dir) {
      const l = editable(key);
      if (l) l.node = { ...l.node, ...strip(n) };
    }
    if (det.path === key && (det.node?.modifiedIndex ?? 0) <= index) {
      det = { path: key, node: { ...(det.node ?? {}), ...strip(n), ttl: n.ttl, expiration: n.expiration }, loading: false };
    }
  };

  const remove = (e: V2Event) => {
    const key = e.node!.key!;
    tombstones.set(key, e.node!.modifiedIndex ?? 0);
    if (tombstones.size > 10_000) tombstones.delete(tombstones.keys().next().value!);
    const parent = editable(parentOf(key));
    if (parent) {
      const i = parent.children.findIndex((c) => c.key === key);
      if (i >= 0) parent.children.splice(i, 1);
    }
    for (const p of [...ls.keys()]) if (within(p, key) && p !== "/") ls.delete(p);
    for (const p of [...hidden.keys()]) if (within(p, key)) hidden.delete(p);
    if ([...open].some((p) => p !== "/" && within(p, key))) open = new Set([...open].filter((p) => p === "/" || !within(p, key)));
    if (within(det.path, key) && det.path !== "/") {
      det = { ...det, gone: { action: e.action, index: e.node!.modifiedIndex } };
    }
  };

  for (const e of evs) {
    if (!e.node?.key) continue;
    if (DELETES.has(e.action)) remove(e);
    else upsert(e.node);
  }
  batch(() => {
    listings.value = ls;
    knownHidden.value = hidden;
    expanded.value = open;
    detail.value = det;
  });
}

/** Inserts `entry` in key order; replaces an existing entry only when `replace` (and it is not newer). */
function put(children: V2Node[], entry: V2Node, replace: boolean): void {
  let lo = 0;
  let hi = children.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (children[mid].key! < entry.key!) lo = mid + 1;
    else hi = mid;
  }
  const here = children[lo];
  if (here?.key === entry.key) {
    if (replace && (here.modifiedIndex ?? 0) <= (entry.modifiedIndex ?? 0)) children[lo] = entry;
    return;
  }
  children.splice(lo, 0, entry);
}

function strip(n: V2Node): V2Node {
  const { nodes: _, ...rest } = n;
  return rest;
}

function byKey(a: V2Node, b: V2Node): number {
  return a.key! < b.key! ? -1 : a.key! > b.key! ? 1 : 0;
}
