// JSON shapes of the dashboard's event stream (GET /mod/dashboard/events):
// what a member reports about its cluster, as the server sends it and the
// browser reads it. Keys and watches use the plain v2 API (shared/api.ts).

/** How the member serving the stream sees a member right now. */
export type MemberState = "leader" | "follower" | "candidate" | "unreachable";

export interface MemberStatus {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  state: MemberState;
}

/** One leader term: who led it, and when (ms since the epoch, server clock). */
export interface TermSpan {
  term: number;
  leaderId: string;
  leaderName: string;
  startedAt: number;
  /** Unset while the term is still running. */
  endedAt?: number;
}

/** Everything the dashboard shows about the cluster, as one member sees it. */
export interface ClusterStatus {
  /** The member serving this stream. */
  self: { id: string; name: string };
  clusterId: string;
  /** When the serving member started (ms since the epoch). */
  startedAt: number;
  members: MemberStatus[];
  /** "" while the serving member knows of no leader. */
  leaderId: string;
  term: number;
  commitIndex: number;
  appliedIndex: number;
  /** Keys API requests served since start; the stream turns them into rates. */
  counters: { reads: number; writes: number };
  /** Watches open on the serving member. */
  watchers: number;
  /** Oldest first; the running term (if any) last. */
  terms: TermSpan[];
}

/** Requests per second over the last sampling interval. */
export interface Rates {
  readsPerSec: number;
  writesPerSec: number;
}

/** One point of the stream's history, taken once a second. */
export interface Sample {
  at: number;
  term: number;
  commitIndex: number;
  readsPerSec: number;
  writesPerSec: number;
}

/**
 * One `data:` message of the stream. Sent on every change and once a second.
 * The first message on a connection carries the whole retained history.
 */
export interface DashboardMessage {
  /** Server clock when sent (ms since the epoch), to correct for clock skew. */
  at: number;
  status: Omit<ClusterStatus, "terms">;
  rates: Rates;
  /** Present when the term list changed since this connection's previous message (always in the first). */
  terms?: TermSpan[];
  /** Samples taken since this connection's previous message (in the first: all that are kept). */
  samples: Sample[];
}

/** Where the stream is served, relative to the dashboard's own URL. */
export const DASHBOARD_EVENTS_PATH = "events";
