// JSON shapes of etcd's v2 HTTP API, as both the server and the dashboard
// speak them. Field order in these interfaces is the order etcd writes.

/** A node of the v2 keyspace as it appears in responses. */
export interface V2Node {
  key?: string;
  value?: string;
  dir?: true;
  expiration?: string;
  ttl?: number;
  nodes?: V2Node[];
  modifiedIndex?: number;
  createdIndex?: number;
}

export type V2Action =
  | "get"
  | "set"
  | "create"
  | "update"
  | "delete"
  | "compareAndSwap"
  | "compareAndDelete"
  | "expire";

/** Body of a successful keys request, and of each watch event. */
export interface V2Event {
  action: V2Action;
  node?: V2Node;
  prevNode?: V2Node;
}

/** Body of a failed keys request. */
export interface V2Error {
  errorCode: number;
  message: string;
  cause?: string;
  index: number;
}

/** One member as listed by GET /v2/members (etcd 2.x shape). */
export interface V2Member {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}

export interface V2MemberList {
  members: V2Member[];
}

/** GET /version. */
export interface VersionInfo {
  etcdserver: string;
  etcdcluster: string;
  /** Our own release, for people who want to know which implementation answered. */
  "etcd-ts": string;
}

/** GET /v2/stats/self. */
export interface SelfStats {
  name: string;
  id: string;
  state: "StateLeader" | "StateFollower" | "StateCandidate" | "StatePreCandidate";
  startTime: string;
  leaderInfo: { leader: string; uptime: string; startTime: string };
  recvAppendRequestCnt: number;
  sendAppendRequestCnt: number;
  recvPkgRate?: number;
  recvBandwidthRate?: number;
  sendPkgRate?: number;
  sendBandwidthRate?: number;
}

/** GET /v2/stats/store. */
export interface StoreStats {
  getsSuccess: number;
  getsFail: number;
  setsSuccess: number;
  setsFail: number;
  deleteSuccess: number;
  deleteFail: number;
  updateSuccess: number;
  updateFail: number;
  createSuccess: number;
  createFail: number;
  compareAndSwapSuccess: number;
  compareAndSwapFail: number;
  compareAndDeleteSuccess: number;
  compareAndDeleteFail: number;
  expireCount: number;
  watchers: number;
}

/** GET /v2/stats/leader (only on the leader). */
export interface LeaderStats {
  leader: string;
  followers: Record<string, {
    latency: { current: number; average: number; standardDeviation: number; minimum: number; maximum: number };
    counts: { fail: number; success: number };
  }>;
}
