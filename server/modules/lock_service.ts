// Fair, TTL-leased locks built on the replicated keyspace, as etcd 0.2's
// lock module built them: each request is an in-order key (POST, unique)
// under the lock's hidden directory with a TTL, the lowest key holds the
// lock, and a waiter watches the key just before its own. Every change is
// a Raft write, so any member can serve any request and the queue outlives
// the member that queued it.

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

/** A waiter looks at the queue again at least this often, whatever its watches say (snapshot installs wake nobody). */
const RECHECK_MS = 1000;

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
    let keepAlive: ReturnType<typeof setInterval> | undefined;
    try {
      if (opts.signal?.aborted) throw new ClientGoneError();
      if (opts.value !== "") {
        entry = findByValue(await this.queue(dir, true), opts.value);
      }
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
        }
      }
      keepAlive = this.keepAlive(entry, opts.ttl);
      await this.waitForHead(dir, entry, opts.timeout === 0, stop.signal);
      clearInterval(keepAlive);
      if (stop.signal.aborted) {
        throw stop.signal.reason === "timeout"
          ? notAcquired(opts.timeout)
          : new ClientGoneError();
      }
      // The lease runs from acquisition, not from the request.
      await this.refresh(entry.key, opts.ttl).catch((err) => {
        if (isNotFound(err)) throw removed(entry!, this.backend.store.index);
      });
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
    const key = await this.keyOf(name, sel, op);
    await this.refresh(key, ttl).catch((err) => this.rethrow(err, op));
  }

  /** Removes a queue entry: the holder's releases the lock, a waiter's leaves the queue. */
  async release(
    name: string,
    sel: EntrySelector,
    op = "Release",
  ): Promise<void> {
    const key = await this.keyOf(name, sel, op);
    await this.remove(key).catch((err) => this.rethrow(err, op));
  }

  /** The entry holding the lock now (a linearizable read), if any. */
  async holder(name: string): Promise<QueueEntry | undefined> {
    return (await this.queue(this.dirOf(name), true))[0];
  }

  // ---- internals ----

  /** An unknown entry is reported like etcd 0.2 did: Key not found, with the operation as the cause. */
  private rethrow(err: unknown, op: string): never {
    if (isNotFound(err)) {
      throw new EtcdError(Code.KeyNotFound, op, this.backend.store.index);
    }
    throw err;
  }

  private async keyOf(
    name: string,
    sel: EntrySelector,
    op: string,
  ): Promise<string> {
    const dir = this.dirOf(name);
    if ("index" in sel) return entryKey(dir, sel.index);
    const e = findByValue(await this.queue(dir, true), sel.value);
    if (!e) throw new EtcdError(Code.KeyNotFound, op, this.backend.store.index);
    return e.key;
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

  /** The queue; `quorum` reads it linearizably, otherwise as this member has applied it. */
  private async queue(dir: string, quorum: boolean): Promise<QueueEntry[]> {
    if (!quorum) return this.localQueue(dir);
    try {
      return queueFrom((await this.backend.quorumGet(dir, false, true)).node);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  private localQueue(dir: string): QueueEntry[] {
    try {
      return queueFrom(this.backend.store.get(dir, false, true).node);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  /**
   * Returns once `entry` heads the queue as this member has applied it. The
   * member applied our own entry before we got here, so every request queued
   * ahead of it is visible: the first entry is the holder in log order.
   */
  private async waitForHead(
    dir: string,
    entry: QueueEntry,
    noWait: boolean,
    stop: AbortSignal,
  ): Promise<void> {
    for (;;) {
      if (stop.aborted) return;
      const q = this.localQueue(dir);
      const pos = positionOf(q, entry.index);
      if (pos === -1) throw removed(entry, this.backend.store.index);
      if (pos === 0) return;
      if (noWait) throw notAcquired(0);
      await this.change([q[pos - 1].key, entry.key], stop);
    }
  }

  /** Resolves when any of the keys changes (or goes), after RECHECK_MS, or on stop. */
  private change(keys: string[], stop: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const watchers = keys.map((k) =>
        this.backend.store.watch(k, false, false, 0, () => done())
      );
      const timer = setTimeout(() => done(), RECHECK_MS);
      const done = () => {
        clearTimeout(timer);
        for (const w of watchers) w.remove();
        stop.removeEventListener("abort", done);
        resolve();
      };
      stop.addEventListener("abort", done, { once: true });
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
