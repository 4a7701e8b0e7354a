// The live cluster status, from the member's event stream
// (/mod/dashboard/events). EventSource reconnects by itself while the member
// is down; we also notice a member that keeps the connection open but stops
// talking, and count reconnections so other state can refetch.

import { computed, effect, signal, untracked } from "@preact/signals";
import type { DashboardMessage, Rates, Sample, TermSpan } from "../../shared/dashboard.ts";
import { DASHBOARD_EVENTS_PATH } from "../../shared/dashboard.ts";
import { observeServerClock } from "./clock.ts";
import { pageActive } from "./visibility.ts";

export type Link = "connecting" | "live" | "stale" | "lost" | "paused";

export const link = signal<Link>("connecting");
/** Local time of the last message (0 before the first). */
export const lastHeard = signal(0);
export const status = signal<DashboardMessage["status"] | null>(null);
export const rates = signal<Rates>({ readsPerSec: 0, writesPerSec: 0 });
export const terms = signal<TermSpan[]>([]);
export const samples = signal<Sample[]>([]);
/** Goes up each time the stream comes back after being lost; watchers of it refetch. */
export const reconnections = signal(0);

export const leader = computed(() => {
  const s = status.value;
  return s && s.leaderId ? s.members.find((m) => m.id === s.leaderId) ?? null : null;
});

export const self = computed(() => {
  const s = status.value;
  return s ? s.members.find((m) => m.id === s.self.id) ?? null : null;
});

/** The member is cut off when it cannot reach any other member of a multi-member cluster. */
export const cutOff = computed(() => {
  const s = status.value;
  if (!s || s.members.length < 2) return false;
  return s.members.every((m) => m.id === s.self.id || m.state === "unreachable");
});

/** A message is sent at least once a second; this much silence means trouble. */
const STALE_MS = 3500;
/** Silence this long: drop the connection and make a new one. */
const REOPEN_MS = 10_000;
const KEEP_SAMPLES = 600;

let source: EventSource | null = null;
let fresh = false;
let everLive = false;
let watchdog: ReturnType<typeof setInterval> | undefined;
let reopenTimer: ReturnType<typeof setTimeout> | undefined;
let reopenDelay = 1000;

export function connectStream(): void {
  watchdog ??= setInterval(checkSilence, 500);
  effect(() => {
    const active = pageActive.value;
    // Only visibility drives this effect, not the state open() and pause() touch.
    untracked(() => (active ? open() : pause()));
  });
}

/** A hidden tab lets go of the stream; showing it again reconnects and refetches. */
function pause(): void {
  clearTimeout(reopenTimer);
  source?.close();
  source = null;
  link.value = "paused";
}

function open(): void {
  clearTimeout(reopenTimer);
  source?.close();
  const es = new EventSource(DASHBOARD_EVENTS_PATH);
  source = es;
  if (link.value !== "lost" && link.value !== "paused") link.value = "connecting";
  es.onopen = () => {
    fresh = true;
  };
  es.onmessage = (ev) => {
    if (source !== es) return;
    receive(JSON.parse(ev.data) as DashboardMessage);
  };
  es.onerror = () => {
    if (source !== es) return;
    if (everLive) link.value = "lost";
    // CLOSED means EventSource gave up (an HTTP error, say); otherwise it retries itself.
    if (es.readyState === EventSource.CLOSED) {
      reopenTimer = setTimeout(open, reopenDelay);
      reopenDelay = Math.min(reopenDelay * 2, 8000);
    }
  };
}

function receive(msg: DashboardMessage): void {
  observeServerClock(msg.at);
  lastHeard.value = Date.now();
  status.value = msg.status;
  rates.value = msg.rates;
  if (msg.terms) terms.value = msg.terms;
  if (fresh) {
    samples.value = msg.samples.slice(-KEEP_SAMPLES);
  } else if (msg.samples.length) {
    samples.value = [...samples.value, ...msg.samples].slice(-KEEP_SAMPLES);
  }
  if (fresh && everLive) reconnections.value++;
  fresh = false;
  everLive = true;
  reopenDelay = 1000;
  link.value = "live";
}

function checkSilence(): void {
  if (link.value !== "live" && link.value !== "stale") return;
  const quiet = Date.now() - lastHeard.value;
  if (quiet > REOPEN_MS) {
    link.value = "lost";
    open();
  } else if (quiet > STALE_MS) {
    link.value = "stale";
  }
}
