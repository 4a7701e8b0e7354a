// Whether one client alone is being served right now, for choices that
// depend on load. The WAL reads it: with a sole client, its fdatasync runs
// on the event loop's own thread, saving the thread pool's two wake-ups
// (their tail reached milliseconds on our VM); otherwise the sync goes to
// the pool so the loop keeps reading requests, which join the next write
// (group commit), while the disk works.
//
// Judged by who was answered lately, not by open connections: client
// libraries keep idle connections in their pools (a counted idle one kept
// every sync in the pool), and a connection waiting on a watch cannot send
// anything. Not by requests in flight either: the loop reads one socket,
// proposes and starts the write before it reads the next, so at that
// moment one request is in flight even under heavy load.

/** Another client answered within this long means the server is shared. */
export const SOLE_CLIENT_WINDOW_MS = 10;

let lastClient: unknown = undefined;
let lastAt = -Infinity;
/** When a client other than `lastClient` was last answered. */
let otherAt = -Infinity;

/**
 * Records that `client` (its connection) was just answered a request. Watch
 * answers are not recorded: a watcher waits rather than loads the server.
 */
export function noteServed(client: unknown, now = performance.now()): void {
  if (client !== lastClient) {
    otherAt = lastAt;
    lastClient = client;
  }
  lastAt = now;
}

/** Whether a client has been answered and no other one lately. */
export function soleClientServed(now = performance.now()): boolean {
  return lastClient !== undefined && now - otherAt > SOLE_CLIENT_WINDOW_MS;
}

/** Forgets every client (for tests). */
export function resetClientLoad(): void {
  lastClient = undefined;
  lastAt = -Infinity;
  otherAt = -Infinity;
}
