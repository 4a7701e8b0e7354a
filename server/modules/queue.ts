// A lock's wait queue as it lies in the keyspace: one in-order key per
// request under the lock's directory, named by its creation index. The
// entry with the lowest index holds the lock; everyone else waits for the
// entry just before theirs to go away. Pure functions over a listing.

import type { V2Node } from "../../shared/api.ts";

export interface QueueEntry {
  /** The entry's creation index: the lock index clients see. */
  index: number;
  /** Full key of the entry in the keyspace. */
  key: string;
  /** The value the entry was queued with ("" for none). */
  value: string;
}

/** In-order keys are the creation index padded to 20 digits (see Store.internalCreate). */
const ENTRY_NAME = /^[0-9]+$/;

/** The key an entry with this index has under `dir`. */
export function entryKey(dir: string, index: number): string {
  return `${dir}/${String(index).padStart(20, "0")}`;
}

/**
 * The queue in lock order, from a listing of the lock's directory. Anything
 * else found there (sub-directories of locks named "<name>/x") is ignored.
 */
export function queueFrom(dir: V2Node | undefined): QueueEntry[] {
  const out: QueueEntry[] = [];
  for (const n of dir?.nodes ?? []) {
    if (n.dir || n.key === undefined) continue;
    const name = n.key.slice(n.key.lastIndexOf("/") + 1);
    if (!ENTRY_NAME.test(name)) continue;
    out.push({
      index: n.createdIndex ?? Number(name),
      key: n.key,
      value: n.value ?? "",
    });
  }
  return out.sort((a, b) => a.index - b.index);
}

/** Position of the entry with this index, or -1. */
export function positionOf(queue: QueueEntry[], index: number): number {
  return queue.findIndex((e) => e.index === index);
}

/** The first entry queued with this value (values are how clients share an entry). */
export function findByValue(
  queue: QueueEntry[],
  value: string,
): QueueEntry | undefined {
  return queue.find((e) => e.value === value);
}
