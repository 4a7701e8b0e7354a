// The runtime's helper threads (the engine's optimising compiler and garbage
// collector helpers; on Node also libuv's file system pool) run at the
// lowest CPU priority, so they never hold a core while the thread that
// answers requests waits for one.
//
// Why: on Linux a helper that wakes on the event loop's core can take it
// over, and the scheduler may leave the loop waiting there until the next
// tick (up to 4 ms) even with the other core idle. On a 2-core machine that
// was most of a lone writer's slow requests: 1–4 ms between a request's
// bytes arriving and its fdatasync starting, with no GC pause in between.
// Lowered, the helpers still get every idle cycle; PUT throughput at 64
// connections did not drop (1 member +2%, 3 members +4–6%, in the noise).
//
// Call it once the member is serving, when every helper has started. On
// Deno only the engine's threads (named by V8) are lowered: the runtime's
// own threads do its I/O.

import { readdirSync, readFileSync } from "node:fs";
import { setPriority } from "node:os";
import process from "node:process";

/** The lowest priority (the highest nice value) on Linux. */
export const HELPER_NICE = 19;

export interface ThreadInfo {
  tid: number;
  name: string;
}

/** The process's threads, from /proc; empty where there is no /proc. */
export function listThreads(): ThreadInfo[] {
  try {
    return readdirSync("/proc/self/task").map((t) => ({
      tid: Number(t),
      name: readFileSync(`/proc/self/task/${t}/comm`, "utf8").trim(),
    }));
  } catch {
    return [];
  }
}

/**
 * The helpers among `threads`: on Deno those V8 names; on Node, whose
 * threads all carry the process's name, every thread but the main one.
 */
export function helperThreads(threads: ThreadInfo[], mainTid: number, deno: boolean): number[] {
  return threads
    .filter((t) => t.tid !== mainTid && (!deno || t.name.startsWith("V8 ")))
    .map((t) => t.tid);
}

/** Lowers the helper threads' priority; returns how many were changed. */
export function lowerHelperThreadPriority(): number {
  if (process.platform !== "linux") return 0;
  const deno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
  let changed = 0;
  for (const tid of helperThreads(listThreads(), process.pid, deno)) {
    try {
      // On Linux a thread id names one thread here, not the whole process.
      setPriority(tid, HELPER_NICE);
      changed++;
    } catch {
      // Not allowed, or the thread is gone: it keeps its priority, nothing else changes.
    }
  }
  return changed;
}
