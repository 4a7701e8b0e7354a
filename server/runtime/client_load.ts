// Whether one client alone is being served right now, for choices that
// depend on load. RaftNode reads it to tell the WAL where to fdatasync: for
// a lone member with a sole client, on the event loop's own thread, saving
// the thread pool's two wake-ups (their tail reached milliseconds on our
// VM); otherwise in the pool, so the loop keeps reading requests, which
// join the next write (group commit), while the disk works.
//
// Two signals, because each alone misleads:
// - Requests in flight (read, not yet answered; a watch counts only until
//   it starts waiting). On a member whose clients wait for a commit that
//   needs other members, many are. But under load on one member the loop
//   reads one socket, proposes and starts the write before it reads the
//   next, so at that moment only one is.
// - Who was answered lately: another client answered within the window
//   means the server is shared. Not open connections: client libraries
//   keep idle ones in their pools, and a counted idle one kept every sync
//   in the pool.

/** Another client answered within this long means the server is shared. */
export const SOLE_CLIENT_WINDOW_MS = 10;

let inFlight = 0;
let lastClient: unknown = undefined;
/** When a client other than `lastClient` was last answered. */
let otherAt = -Infinity;
let lastAt = -Infinity;

/** A client request was read and handed to the keys API. */
export function requestStarted(): void {
  inFlight++;
}

/**
 * The request started last by `client` (its connection) was answered, or
 * its watch began waiting (`served` false: a watcher waits rather than
 * loads the server).
 */
export function requestEnded(client: unknown, served = true, now = performance.now()): void {
  if (inFlight > 0) inFlight--;
  if (!served) return;
  if (client !== lastClient) {
    otherAt = lastAt;
    lastClient = client;
  }
  lastAt = now;
}

/** When a client was last answered (performance.now()), -Infinity if never. */
export function lastAnsweredAt(): number {
  return lastAt;
}

/** Whether at most one request is in flight and one client alone has been answered lately. */
export function soleClient(now = performance.now()): boolean {
  return inFlight <= 1 && lastClient !== undefined && now - otherAt > SOLE_CLIENT_WINDOW_MS;
}

/** Forgets every client and request (for tests). */
export function resetClientLoad(): void {
  inFlight = 0;
  lastClient = undefined;
  lastAt = -Infinity;
  otherAt = -Infinity;
}
