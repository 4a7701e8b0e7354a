// Cluster-level endpoints outside the keyspace: version, health, stats,
// machines, leader and members, in the shapes etcd 0.2 and 2.x clients read.

import { Hono } from "hono";
import type { SelfStats, V2Member, VersionInfo } from "../../shared/api.ts";
import type { StoreStats } from "../../shared/api.ts";
import { VERSION } from "../version.ts";
import { jsonResponse, textResponse } from "./responses.ts";

/** What these endpoints need from a running member. */
export interface AdminBackend {
  readonly name: string;
  readonly memberId: string;
  readonly clusterId: string;
  readonly startTime: Date;
  readonly isLeader: boolean;
  readonly leaderId: string;
  members(): V2Member[];
  leader(): V2Member | undefined;
  storeStats(): StoreStats;
  selfCounts(): { recvAppendRequestCnt: number; sendAppendRequestCnt: number; leaderSince: Date };
  health(): boolean;
}

export const versionInfo: VersionInfo = { etcdserver: "2.3.8", etcdcluster: "2.3.0", "etcd-ts": VERSION };

export function adminRoutes(b: AdminBackend): Hono {
  const app = new Hono();
  app.get("/version", () => jsonResponse(versionInfo));
  app.get("/health", () => {
    const ok = b.health();
    return jsonResponse({ health: ok ? "true" : "false" }, ok ? 200 : 503);
  });
  app.get("/v2/machines", () => textResponse(b.members().flatMap((m) => m.clientURLs).join(", ")));
  app.get("/v2/leader", () => {
    const l = b.leader();
    if (!l) return textResponse("no leader\n", 503);
    return textResponse(l.peerURLs[0] ?? "");
  });
  app.get("/v2/members", () => jsonResponse({ members: b.members().map(memberJson) }));
  app.get("/v2/members/leader", () => {
    const l = b.leader();
    if (!l) return jsonResponse({ message: "During leader election" }, 503);
    return jsonResponse(memberJson(l));
  });
  app.get("/v2/stats/store", () => jsonResponse(b.storeStats()));
  app.get("/v2/stats/self", () => {
    const c = b.selfCounts();
    const now = Date.now();
    const stats: SelfStats = {
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
    return jsonResponse(stats);
  });
  app.get("/v2/stats/leader", () => {
    if (!b.isLeader) return jsonResponse({ message: "not current leader" }, 403);
    const followers: Record<string, unknown> = {};
    for (const m of b.members()) {
      if (m.id === b.memberId) continue;
      followers[m.id] = {
        latency: { current: 0, average: 0, standardDeviation: 0, minimum: 0, maximum: 0 },
        counts: { fail: 0, success: 0 },
      };
    }
    return jsonResponse({ leader: b.memberId, followers });
  });
  return app;
}

function memberJson(m: V2Member): V2Member {
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
