// The watch panel: one watch on a key or prefix, chosen by the user, and
// the events it delivers, newest first. It keeps running while other views
// are shown.

import { signal } from "@preact/signals";
import type { V2Event } from "../../shared/api.ts";
import { type Watch, type WatchStatus, watchKeys } from "../api/watch.ts";
import { normalizePath } from "../lib/paths.ts";

export interface SeenEvent {
  seq: number;
  /** Local time it arrived. */
  at: number;
  event: V2Event;
}

/** A marker in the list: events in between could not be delivered. */
export interface Gap {
  seq: number;
  at: number;
  gap: true;
  resumeIndex: number;
}

export type Entry = SeenEvent | Gap;

export interface ActiveWatch {
  path: string;
  recursive: boolean;
  fromIndex?: number;
  since: number;
}

/** Events kept in memory; older ones are dropped. */
export const KEEP = 5000;

export const form = {
  path: signal("/"),
  recursive: signal(true),
  fromIndex: signal(""),
};

export const active = signal<ActiveWatch | null>(null);
export const watchStatus = signal<WatchStatus>({ state: "stopped" });
export const entries = signal<Entry[]>([]);
export const total = signal(0);

let current: Watch | undefined;
let seq = 0;
let pending: Entry[] = [];
let flushTimer: ReturnType<typeof setTimeout> | undefined;

export function startWatch(): void {
  stopWatch();
  const path = normalizePath(form.path.value);
  form.path.value = path;
  const from = Number(form.fromIndex.value);
  const fromIndex = form.fromIndex.value.trim() && Number.isInteger(from) && from > 0 ? from : undefined;
  const recursive = form.recursive.value;
  active.value = { path, recursive, fromIndex, since: Date.now() };
  current = watchKeys(path, { recursive, fromIndex }, {
    onEvent: (event) => push({ seq: ++seq, at: Date.now(), event }),
    onStatus: (s) => (watchStatus.value = s),
    onGap: (resumeIndex) => push({ seq: ++seq, at: Date.now(), gap: true, resumeIndex }),
  });
}

export function stopWatch(): void {
  flush();
  current?.stop();
  current = undefined;
  active.value = null;
}

export function clearEvents(): void {
  pending = [];
  entries.value = [];
  total.value = 0;
}

/** Prefills the form (from the keys view's "Watch" button) and starts. */
export function watchPath(path: string, recursive: boolean): void {
  form.path.value = path;
  form.recursive.value = recursive;
  form.fromIndex.value = "";
  clearEvents();
  startWatch();
}

function push(e: Entry): void {
  pending.push(e);
  flushTimer ??= setTimeout(flush, 30);
}

function flush(): void {
  clearTimeout(flushTimer);
  flushTimer = undefined;
  if (pending.length === 0) return;
  const fresh = pending.reverse();
  pending = [];
  total.value += fresh.filter((e) => !("gap" in e)).length;
  entries.value = [...fresh, ...entries.value].slice(0, KEEP);
}
