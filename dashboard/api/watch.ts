// A watch that keeps going: one streaming request (wait=true&stream=true),
// resumed from the next index whenever it ends — the member's five-minute
// watch timeout, a restart, a network blip — so no event is missed while the
// member's event history still covers the gap, and the caller is told when
// it does not.

import type { V2Event } from "../../shared/api.ts";
import { ErrorCode, keysUrl } from "./keys.ts";

export type WatchState = "connecting" | "live" | "retrying" | "failed" | "stopped";

export interface WatchStatus {
  state: WatchState;
  /** Why it is retrying or failed. */
  message?: string;
  /** The index the watch will deliver from next, as of this status. */
  nextIndex?: number;
}

export interface WatchHandlers {
  onEvent(e: V2Event): void;
  onStatus?(s: WatchStatus): void;
  /** The member's history no longer reaches back to where we were: events in between were missed. */
  onGap?(resumeIndex: number): void;
}

export interface WatchOptions {
  recursive: boolean;
  /** First index to deliver; default: whatever happens from now on. */
  fromIndex?: number;
}

const MAX_BACKOFF_MS = 4000;

export interface Watch {
  stop(): void;
  /** The index it would resume from (undefined until the member said where "now" is). */
  nextIndex(): number | undefined;
}

/** Starts watching. */
export function watchKeys(path: string, opts: WatchOptions, h: WatchHandlers): Watch {
  let stopped = false;
  let abort: AbortController | undefined;
  let wake: (() => void) | undefined;
  let next = opts.fromIndex;

  const status = (state: WatchState, message?: string) => h.onStatus?.({ state, message, nextIndex: next });

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  const run = async () => {
    let failures = 0;
    while (!stopped) {
      abort = new AbortController();
      status(failures ? "retrying" : "connecting", failures ? "reconnecting" : undefined);
      try {
        const url = keysUrl(path, { wait: true, stream: true, recursive: opts.recursive, waitIndex: next });
        const res = await fetch(url, { signal: abort.signal, cache: "no-store" });
        if (!res.ok) {
          const body = await res.json().catch(() => null) as { errorCode?: number; message?: string; index?: number } | null;
          if (body?.errorCode === ErrorCode.EventIndexCleared && typeof body.index === "number") {
            next = body.index + 1;
            h.onGap?.(next);
            continue;
          }
          const message = body?.message ?? `HTTP ${res.status}`;
          if (res.status >= 500) throw new Error(message);
          status("failed", message); // our request is wrong: retrying will not help
          return;
        }
        if (next === undefined) {
          const start = Number(res.headers.get("X-Etcd-Index"));
          if (Number.isFinite(start)) next = start + 1;
        }
        failures = 0;
        status("live");
        const began = Date.now();
        await readLines(res, (line) => {
          const e = JSON.parse(line) as V2Event;
          const index = e.node?.modifiedIndex;
          if (typeof index === "number") next = index + 1;
          h.onEvent(e);
        });
        // The member ended the stream (its watch timeout): go on from `next`,
        // but never spin if it keeps ending streams at once.
        if (Date.now() - began < 1000) await pause(500);
      } catch (err) {
        if (stopped) return;
        failures++;
        status("retrying", (err as Error)?.message ?? String(err));
        await pause(Math.min(250 * 2 ** failures, MAX_BACKOFF_MS));
      }
    }
  };
  void run();

  return {
    stop() {
      if (stopped) return;
      stopped = true;
      abort?.abort();
      wake?.();
      status("stopped");
    },
    nextIndex: () => next,
  };
}

/** Calls `onLine` for each newline-terminated line of the body. */
async function readLines(res: Response, onLine: (line: string) => void): Promise<void> {
  if (!res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) onLine(line);
    }
  }
  if (buf.trim()) onLine(buf.trim());
}
