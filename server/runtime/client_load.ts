// How many clients the keys front door (http1_front.ts) is serving right
// now, for choices that depend on load. The WAL reads it: with exactly one
// client connection, its fdatasync runs on the event loop's own thread,
// saving the thread pool's two wake-ups (their tail reached milliseconds on
// our VM); with more, the sync goes to the pool so the loop keeps reading
// requests, which join the next write (group commit), while the disk works.
//
// Connections, not requests in flight: the loop reads one socket, proposes
// and starts the write before it reads the next, so at that moment one
// request is in flight even under heavy load.

export const clientLoad = {
  /** Open front-door connections, less those waiting on a watch (they cannot send a request). */
  connections: 0,
};

/** Whether one client is all there is: nothing else could use the loop during a sync. */
export function oneClientConnected(): boolean {
  return clientLoad.connections === 1;
}
