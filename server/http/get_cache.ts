// Encoded answers to GETs of unchanged keys. Most reads ask for the same
// few keys again and again between writes; the answer (body and headers) is
// a pure function of the store and raft positions, so it is encoded once and
// served until any of them moves. Keys with a TTL are never kept (their
// answer counts down), nor directories (their children may have TTLs).

import type { StoreEvent } from "../store/event.ts";

export interface CachedGet {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Entries kept at most; past that the cache starts over (a scan of many keys gains nothing from it). */
const MAX_ENTRIES = 4096;

export class GetCache {
  #storeIndex = -1;
  #raftIndex = -1;
  #raftTerm = -1;
  #entries = new Map<string, CachedGet>();

  /** The cached answer for `key`, if the store and raft are where they were when it was kept. */
  lookup(key: string, storeIndex: number, raftIndex: number, raftTerm: number): CachedGet | undefined {
    if (storeIndex !== this.#storeIndex || raftIndex !== this.#raftIndex || raftTerm !== this.#raftTerm) {
      if (this.#entries.size > 0) this.#entries = new Map();
      this.#storeIndex = storeIndex;
      this.#raftIndex = raftIndex;
      this.#raftTerm = raftTerm;
      return undefined;
    }
    return this.#entries.get(key);
  }

  /** Keeps the answer to a GET of `key` made at the positions of the last lookup, if it may be kept. */
  keep(key: string, ev: StoreEvent, answer: CachedGet): void {
    const node = ev.node;
    if (node.dir || node.expiration !== undefined || ev.etcdIndex !== this.#storeIndex) return;
    if (this.#entries.size >= MAX_ENTRIES) this.#entries = new Map();
    this.#entries.set(key, answer);
  }
}
