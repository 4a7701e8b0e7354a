// The time, as a signal that ticks once a second (for countdowns and "ago"
// texts), and the member's clock as the stream reports it.

import { signal } from "@preact/signals";

/** Local time, updated every second. */
export const now = signal(Date.now());

/** Member clock minus local clock, from the last stream message. */
let skewMs = 0;

export function observeServerClock(serverAt: number): void {
  skewMs = serverAt - Date.now();
}

/** The member's idea of "now" (term times and expirations are on its clock). */
export function serverNow(local = now.value): number {
  return local + skewMs;
}

export function startClock(): void {
  const tick = () => {
    now.value = Date.now();
    setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
  };
  tick();
}
