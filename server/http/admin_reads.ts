// The cluster endpoints that only read (version, health, machines, leader,
// members, stats), as plain answers: the Hono app (admin.ts) and the
// HTTP/1.1 front door (admin_http1.ts) serve the same ones. Monitoring and
// client libraries poll these; on the front door a poll costs no web
// Request/Response objects.

import type { SelfStats, V2Member, VersionInfo } from "../../shared/api.ts";
import type { StoreStats } from "../../shared/api.ts";
import { VERSION } from "../version.ts";
import { type Answer, jsonAnswer, textAnswer } from "./responses.ts";

/** What these endpoints (and admin.ts's writes) need from a running member. */
export interface AdminBackend {
  readonly name: string;
  readonly memberId: string;
  readonly clusterId: string;
  readonly startTime: Date;
  readonly isLeader: boolean;
  readonly leaderId: string;
  members(): V2Member[];
  leader(): V2Member | undefined;
  addMember(peerURLs: string[]): Promise<V2Member>;
  removeMember(id: string): Promise<void>;
  updateMember(id: string, peerURLs: string[]): Promise<void>;
  followerStats(): Record<string, unknown>;
  backup(): Promise<unknown>;
  storeStats(): StoreStats;
  selfCounts(): { recvAppendRequestCnt: number; sendAppendRequestCnt: number; leaderSince: Date };
  health(): boolean | Promise<boolean>;
}

export const versionInfo: VersionInfo = { etcdserver: "2.3.8", etcdcluster: "2.3.0", "etcd-ts": VERSION };

/** Answers one read; GET only. */
export type AdminRead = () => Answer | Promise<Answer>;

/** The read endpoints by exact path. */
export function adminReads(b: AdminBackend): Map<string, AdminRead> {
  return new Map<string, AdminRead>([
    ["/version", () => jsonAnswer(versionInfo)],
    ["/health", async () => {
      const ok = await b.health();
      return jsonAnswer({ health: ok ? "true" : "false" }, ok ? 200 : 503);
    }],
    // etcd sorts the URLs themselves, which also lists 0.2 clusters in join order.
    ["/v2/machines", () => textAnswer(b.members().flatMap((m) => m.clientURLs).sort().join(", "))],
    ["/v2/leader", () => {
      const l = b.leader();
      return l ? textAnswer(l.peerURLs[0] ?? "") : textAnswer("no leader\n", 503);
    }],
    ["/v2/members", () => jsonAnswer({ members: b.members().map(memberJson) }, 200, { "X-Etcd-Cluster-Id": b.clusterId })],
    ["/v2/members/leader", () => {
      const l = b.leader();
      return l ? jsonAnswer(memberJson(l)) : jsonAnswer({ message: "During leader election" }, 503);
    }],
    ["/v2/stats/store", () => jsonAnswer(b.storeStats())],
    ["/v2/stats/self", () => jsonAnswer(selfStats(b))],
    ["/v2/stats/leader", () =>
      b.isLeader
        ? jsonAnswer({ leader: b.memberId, followers: b.followerStats() })
        : jsonAnswer({ message: "not current leader" }, 403)],
  ]);
}

function selfStats(b: AdminBackend): SelfStats {
  const c = b.selfCounts();
  const now = Date.now();
  return {
    name: b.name,
    id: b.memberId,
    state: b.isLeader ? "StateLeader" : "StateFollower",
    startTime: b.startTime.toISOString(),
    leaderInfo: {
      leader: b.leaderId,
      uptime: formatDuration(now - c.leaderSince.getTime()),
      startTime: c.leaderSince.toISOString(),
    },
    recvAppendRequestCnt: c.recvAppendRequestCnt,
    sendAppendRequestCnt: c.sendAppendRequestCnt,
  };
}

export function memberJson(m: V2Member): V2Member {
  return { id: m.id, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs };
}

/** Go's time.Duration.String() for the uptime field, e.g. "1m2.5s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  let s = ms / 1000;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const sec = Number(s.toFixed(3)).toString() + "s";
  return (h ? `${h}h` : "") + (h || m ? `${m}m` : "") + sec;
}
