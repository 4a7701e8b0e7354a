// Watchers registered per path; an event wakes the watchers on its path and
// its ancestors (recursive ones), and, for deletions, those below it.

import type { StoreEvent } from "./event.ts";
import type { EventHistory } from "./event_history.ts";

export class Watcher {
  removed = false;
  /** Set by the hub; unregisters this watcher. */
  remove: () => void = () => {};

  constructor(
    readonly recursive: boolean,
    readonly stream: boolean,
    readonly sinceIndex: number,
    /** Store index when the watch began (sent as X-Etcd-Index). */
    readonly startIndex: number,
    readonly deliver: (e: StoreEvent) => void,
  ) {}

  /** Delivers the event if this watcher wants it; true when delivered. */
  notify(e: StoreEvent, originalPath: boolean, deleted: boolean): boolean {
    if ((this.recursive || originalPath || deleted) && e.index >= this.sinceIndex) {
      this.deliver(e);
      return true;
    }
    return false;
  }
}

export class WatcherHub {
  private watchers = new Map<string, Set<Watcher>>();
  count = 0;

  constructor(readonly history: EventHistory) {}

  /**
   * Registers a watcher; if history already holds a matching event at or
   * after sinceIndex, delivers it at once instead (and does not register).
   */
  watch(key: string, w: Watcher): void {
    let past = this.history.scan(key, w.recursive, w.sinceIndex);
    if (past && !w.stream) return w.deliver(past);
    // A stream replays every matching event it missed, then goes live.
    while (past) {
      w.deliver(past);
      past = this.history.scan(key, w.recursive, past.index + 1);
    }
    let set = this.watchers.get(key);
    if (!set) this.watchers.set(key, (set = new Set()));
    set.add(w);
    this.count++;
    w.remove = () => {
      if (w.removed) return;
      w.removed = true;
      const s = this.watchers.get(key);
      if (s?.delete(w)) {
        this.count--;
        if (s.size === 0) this.watchers.delete(key);
      }
    };
  }

  /** Records the event and wakes watchers of its key and of every ancestor. */
  notify(e: StoreEvent): void {
    this.history.add(e);
    if (this.count === 0) return;
    const key = e.node.key!;
    this.notifyWatchers(e, "/", false);
    let i = 0;
    while ((i = key.indexOf("/", i + 1)) !== -1) this.notifyWatchers(e, key.slice(0, i), false);
    if (key !== "/") this.notifyWatchers(e, key, false);
  }

  /** Records a refresh: it takes an index but wakes nobody. */
  addSilently(e: StoreEvent): void {
    e.refresh = true;
    this.history.add(e);
  }

  /** Wakes watchers of any path below a deleted or expired directory, whether or not a node exists there. */
  notifyBelow(e: StoreEvent, dirPath: string): void {
    if (this.count === 0) return;
    const prefix = dirPath === "/" ? "/" : dirPath + "/";
    for (const path of [...this.watchers.keys()]) {
      if (path.startsWith(prefix) && path !== dirPath) this.notifyWatchers(e, path, true);
    }
  }

  notifyWatchers(e: StoreEvent, path: string, deleted: boolean): void {
    const set = this.watchers.get(path);
    if (!set) return;
    const key = e.node.key!;
    const originalPath = key === path;
    if (!originalPath && isHidden(path, key)) return;
    for (const w of set) {
      if (w.notify(e, originalPath, deleted) && !w.stream) w.remove();
    }
  }
}

/** A key is hidden from a watch on `watchPath` when a path element below it starts with "_". */
function isHidden(watchPath: string, keyPath: string): boolean {
  // Deleting a directory notifies watchers deeper than the deleted key.
  if (watchPath.length > keyPath.length) return false;
  const after = keyPath.slice(watchPath.length);
  return ("/" + after).includes("/_");
}
