// Applies one replicated v2 request to the store, exactly as etcd's
// applierV2store dispatches it. Requests carry absolute expiry times (set by
// the member that received them) so every replica computes the same result.

import type { StoreEvent } from "./event.ts";
import type { Store, TtlOptions } from "./store.ts";

export interface V2Request {
  method: "PUT" | "POST" | "DELETE" | "SYNC";
  path: string;
  val?: string;
  dir?: boolean;
  prevValue?: string;
  prevIndex?: number;
  /** undefined = not given. */
  prevExist?: boolean;
  /** Absolute expiry, ms since the epoch; absent = no TTL. */
  expireAt?: number;
  refresh?: boolean;
  recursive?: boolean;
  /** SYNC: the leader's clock; keys that expired by then are removed. */
  time?: number;
}

/** Returns the event, or throws the EtcdError etcd would answer with. SYNC returns null. */
export function applyRequest(store: Store, r: V2Request): StoreEvent | null {
  const ttl: TtlOptions = { expireAt: r.expireAt ?? 0, refresh: r.refresh };
  const val = r.val ?? "";
  const prevValue = r.prevValue ?? "";
  const prevIndex = r.prevIndex ?? 0;
  switch (r.method) {
    case "PUT":
      if (r.prevExist !== undefined) {
        if (r.prevExist) {
          if (prevIndex === 0 && prevValue === "") return store.update(r.path, val, ttl);
          return store.compareAndSwap(r.path, prevValue, prevIndex, val, ttl);
        }
        return store.create(r.path, !!r.dir, val, false, ttl);
      }
      if (prevIndex > 0 || prevValue !== "") return store.compareAndSwap(r.path, prevValue, prevIndex, val, ttl);
      return store.set(r.path, !!r.dir, val, ttl);
    case "POST":
      return store.create(r.path, !!r.dir, val, true, ttl);
    case "DELETE":
      if (prevIndex > 0 || prevValue !== "") return store.compareAndDelete(r.path, prevValue, prevIndex);
      return store.delete(r.path, !!r.dir, !!r.recursive);
    case "SYNC":
      store.deleteExpired(r.time ?? 0);
      return null;
  }
}
