// Encoded answers to GETs of unchanged keys. Most reads ask for the same
// few keys again and again between writes; the answer (body and headers) is
// a pure function of the store and raft positions, so it is encoded once and
// served until any of them moves. Answers that show a TTL are never kept
// (they count down).

import type { StoreEvent } from "../store/event.ts";

export interface CachedGet {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Entries and body bytes kept at most; past either the cache starts over (a scan of many keys gains nothing from it). */
const MAX_ENTRIES = 4096;
const MAX_BYTES = 16 * 1024 * 1024;

export class GetCache {
  #storeIndex = -1;
  #raftIndex = -1;
  #raftTerm = -1;
  #entries = new Map<string, CachedGet>();
  #bytes = 0;

  /** The cached answer for `key`, if the store and raft are where they were when it was kept. */
  lookup(key: string, storeIndex: number, raftIndex: number, raftTerm: number): CachedGet | undefined {
    if (storeIndex !== this.#storeIndex || raftIndex !== this.#raftIndex || raftTerm !== this.#raftTerm) {
      this.#clear();
      this.#storeIndex = storeIndex;
      this.#raftIndex = raftIndex;
      this.#raftTerm = raftTerm;
      return undefined;
    }
    return this.#entries.get(key);
  }

  /** Keeps the answer to a GET of `key` made at the positions of the last lookup, if it may be kept. */
  keep(key: string, ev: StoreEvent, answer: CachedGet): void {
    if (ev.etcdIndex !== this.#storeIndex || answer.body.length > MAX_BYTES) return;
    // Any node in the answer (a directory lists its children) with a TTL.
    // Values cannot hide the pattern: their quotes are escaped.
    if (answer.body.includes('"expiration":')) return;
    if (this.#entries.size >= MAX_ENTRIES || this.#bytes + answer.body.length > MAX_BYTES) this.#clear();
    this.#entries.set(key, answer);
    this.#bytes += answer.body.length;
  }

  #clear(): void {
    if (this.#entries.size > 0) this.#entries = new Map();
    this.#bytes = 0;
  }
}
