// Fair, TTL-leased locks built on the replicated keyspace, as etcd 0.2's
// lock module built them: each request is an in-order key (POST, unique)
// under the lock's hidden directory with a TTL, the lowest key holds the
// lock, and a waiter watches the key just before its own. Every change is
// a Raft write, so any member can serve any request and the queue outlives
// the member that queued it.
//
// Decisions are taken on this member's copy of the keyspace right after a
// write of our own has been applied to it (the create or a renewal): at
// that point the copy holds every entry queued before ours, so "the first
// entry is the holder" is true in log order, without a quorum read (which
// a leader change can stall for seconds, long enough for a lease to run out).

import type { V2Request } from "../store/apply.ts";
import { Code, EtcdError } from "../store/errors.ts";
import type { StoreEvent } from "../store/event.ts";
import type { Store } from "../store/store.ts";
import type { EntrySelector } from "./params.ts";
import {
  entryKey,
  findByValue,
  positionOf,
  type QueueEntry,
  queueFrom,
} from "./queue.ts";

/** What the modules need from a running member (a subset of the keys API's backend). */
export interface ModulesBackend {
  readonly store: Store;
  readonly clusterId: string;
  do(r: V2Request): Promise<StoreEvent>;
  quorumGet(
    path: string,
    recursive: boolean,
    sorted: boolean,
  ): StoreEvent | Promise<StoreEvent>;
}

export interface AcquireOptions {
  /** Requests with the same non-empty value share one queue entry. */
  value: string;
  /** Lease in seconds, renewed while waiting and counted again from acquisition. */
  ttl: number;
  /** Seconds to wait; undefined = as long as it takes, 0 = only if free at once. */
  timeout?: number;
  /** Aborted when the client goes away: its queue entry is withdrawn. */
  signal?: AbortSignal;
}

/** The request ended without the lock because its client went away; nobody is left to answer. */
export class ClientGoneError extends Error {}

/**
 * A snapshot install replaces the keyspace without events: a waiter checks
 * this often whether that happened, and looks at the queue again anyway
 * every RECHECK_MS.
 */
const SNAPSHOT_POLL_MS = 500;
const RECHECK_MS = 10_000;

export class LockService {
  constructor(
    private readonly backend: ModulesBackend,
    readonly root: string,
  ) {}

  /** The lock's directory in the keyspace. */
  dirOf(name: string): string {
    return this.root + (name === "/" ? "" : name);
  }

  /** Waits until the lock is held for this request (or a request with the same value); resolves with its index. */
  async acquire(name: string, opts: AcquireOptions): Promise<number> {
    const dir = this.dirOf(name);
    const stop = new AbortController();
    const onGone = () => stop.abort("gone");
    opts.signal?.addEventListener("abort", onGone, { once: true });
    const timer = opts.timeout
      ? setTimeout(() => stop.abort("timeout"), opts.timeout * 1000)
      : undefined;
    let entry: QueueEntry | undefined;
    let created = false;
    // Whether our own last write gave the entry its full TTL just now.
    let renewed = true;
    let keepAlive: ReturnType<typeof setInterval> | undefined;
    try {
      if (opts.signal?.aborted) throw new ClientGoneError();
      if (opts.value !== "") entry = await this.join(dir, opts.value, opts.ttl);
      if (!entry) {
        entry = await this.enqueue(dir, opts.value, opts.ttl);
        created = true;
        // Two requests with the same value may both have found no entry and
        // queued one each: all but the first give theirs up and share it.
        const first = opts.value === ""
          ? entry
          : findByValue(this.localQueue(dir), opts.value);
        if (first && first.index < entry.index) {
          await this.remove(entry.key);
          entry = first;
          created = false;
          renewed = false;
        }
      }
      keepAlive = this.keepAlive(entry, opts.ttl);
      const waited = await this.waitForHead(
        dir,
        entry,
        opts.timeout === 0,
        stop.signal,
      );
      clearInterval(keepAlive);
      if (stop.signal.aborted) {
        throw stop.signal.reason === "timeout"
          ? notAcquired(opts.timeout)
          : new ClientGoneError();
      }
      // The lease runs from acquisition, not from the request (unless that was just now).
      if (waited || !renewed) {
        await this.refresh(entry.key, opts.ttl).catch((err) => {
          throw isNotFound(err)
            ? removed(entry!, this.backend.store.index)
            : err;
        });
      }
      return entry.index;
    } catch (err) {
      if (created && entry) await this.remove(entry.key).catch(() => {});
      throw err;
    } finally {
      clearInterval(keepAlive);
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onGone);
    }
  }

  /** Renews the TTL of a queue entry (holder or waiter) without waking anyone. */
  async renew(
    name: string,
    sel: EntrySelector,
    ttl: number,
    op = "Renew",
  ): Promise<void> {
    await this.onEntry(name, sel, op, (key) => this.refresh(key, ttl));
  }

  /** Removes a queue entry: the holder's releases the lock, a waiter's leaves the queue. */
  async release(
    name: string,
    sel: EntrySelector,
    op = "Release",
  ): Promise<void> {
    await this.onEntry(name, sel, op, (key) => this.remove(key));
  }

  /** The entry holding the lock now (a linearizable read), if any. */
  async holder(name: string): Promise<QueueEntry | undefined> {
    const dir = this.dirOf(name);
    try {
      return queueFrom(
        (await this.backend.quorumGet(dir, false, true)).node,
      )[0];
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  // ---- internals ----

  /**
   * The entry already queued with this value, renewed; undefined if there is
   * none. The renewal is a write: once it is applied here, the local queue
   * is current up to it, and if it fails the entry is gone.
   */
  private async join(
    dir: string,
    value: string,
    ttl: number,
  ): Promise<QueueEntry | undefined> {
    const e = findByValue(this.localQueue(dir), value);
    if (!e) return undefined;
    try {
      await this.refresh(e.key, ttl);
      return e;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * Applies `act` to the selected entry. An entry found by value on this
   * member is tried first; if it has gone meanwhile (or none is seen here),
   * the value is looked up again with a linearizable read.
   */
  private async onEntry(
    name: string,
    sel: EntrySelector,
    op: string,
    act: (key: string) => Promise<unknown>,
  ): Promise<void> {
    const dir = this.dirOf(name);
    const notFound = () =>
      new EtcdError(Code.KeyNotFound, op, this.backend.store.index);
    const attempt = (key: string) =>
      act(key).catch((err) =>
        Promise.reject(isNotFound(err) ? notFound() : err)
      );
    if ("index" in sel) return void await attempt(entryKey(dir, sel.index));
    const local = findByValue(this.localQueue(dir), sel.value);
    if (local) {
      try {
        return void await attempt(local.key);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    let fresh: QueueEntry | undefined;
    try {
      fresh = findByValue(
        queueFrom((await this.backend.quorumGet(dir, false, true)).node),
        sel.value,
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!fresh) throw notFound();
    await attempt(fresh.key);
  }

  private async enqueue(
    dir: string,
    value: string,
    ttl: number,
  ): Promise<QueueEntry> {
    const ev = await this.backend.do({
      method: "POST",
      path: dir,
      val: value,
      expireAt: Date.now() + ttl * 1000,
    });
    return { index: ev.node.createdIndex!, key: ev.node.key!, value };
  }

  private refresh(key: string, ttl: number): Promise<StoreEvent> {
    return this.backend.do({
      method: "PUT",
      path: key,
      prevExist: true,
      refresh: true,
      expireAt: Date.now() + ttl * 1000,
    });
  }

  private remove(key: string): Promise<StoreEvent> {
    return this.backend.do({ method: "DELETE", path: key });
  }

  /** The queue as this member has applied it. */
  private localQueue(dir: string): QueueEntry[] {
    try {
      return queueFrom(this.backend.store.get(dir, false, true).node);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  /**
   * Returns once `entry` heads the queue as this member has applied it (or
   * on stop); true if it had to wait. The member applied our own write on
   * the entry before we got here, so every request queued ahead of it is
   * visible: the first entry is the holder in log order.
   */
  private async waitForHead(
    dir: string,
    entry: QueueEntry,
    noWait: boolean,
    stop: AbortSignal,
  ): Promise<boolean> {
    for (let waited = false;; waited = true) {
      if (stop.aborted) return waited;
      const q = this.localQueue(dir);
      const pos = positionOf(q, entry.index);
      if (pos === -1) throw removed(entry, this.backend.store.index);
      if (pos === 0) return waited;
      if (noWait) throw notAcquired(0);
      await this.change([q[pos - 1].key, entry.key], stop);
    }
  }

  /** Resolves when any of the keys changes (or goes), the keyspace is replaced, after RECHECK_MS, or on stop. */
  private change(keys: string[], stop: AbortSignal): Promise<void> {
    const store = this.backend.store;
    const root = store.root;
    const until = Date.now() + RECHECK_MS;
    return new Promise((resolve) => {
      const poll = () => {
        if (store.root !== root || Date.now() >= until) done();
        else timer = setTimeout(poll, SNAPSHOT_POLL_MS);
      };
      let timer = setTimeout(poll, SNAPSHOT_POLL_MS);
      const watchers: { remove(): void }[] = [];
      let finished = false;
      const done = () => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        for (const w of watchers) w.remove();
        stop.removeEventListener("abort", done);
        resolve();
      };
      for (const k of keys) {
        watchers.push(this.backend.store.watch(k, false, false, 0, done));
      }
      stop.addEventListener("abort", done, { once: true });
      if (stop.aborted) done();
    });
  }

  /** Keeps a waiting entry's lease alive: renewed every third of its TTL. */
  private keepAlive(
    entry: QueueEntry,
    ttl: number,
  ): ReturnType<typeof setInterval> {
    let inFlight = false;
    return setInterval(() => {
      if (inFlight) return;
      inFlight = true;
      // A failure is noticed by the waiter itself: a lost entry leaves the queue.
      this.refresh(entry.key, ttl).catch(() => {}).finally(
        () => (inFlight = false),
      );
    }, (ttl * 1000) / 3);
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof EtcdError && err.errorCode === Code.KeyNotFound;
}

/** The request's queue entry went away (released by someone, or expired) before it got the lock. */
function removed(entry: QueueEntry, index: number): EtcdError {
  return new EtcdError(
    Code.KeyNotFound,
    `lock request ${entry.index} left the queue before acquiring the lock`,
    index,
  );
}

/** The lock was not free in time: a 500, as etcd 0.2 answered. */
function notAcquired(timeout: number | undefined): EtcdError {
  return new EtcdError(
    Code.RaftInternal,
    timeout
      ? `lock not acquired within the ${timeout}s timeout`
      : "lock is held by another request (timeout=0)",
  );
}
