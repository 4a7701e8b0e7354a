// Cluster-level endpoints outside the keyspace: version, health, stats,
// machines, leader and members, in the shapes etcd 0.2 and 2.x clients read.

import { Hono } from "hono";
import type { SelfStats, V2Member, VersionInfo } from "../../shared/api.ts";
import type { StoreStats } from "../../shared/api.ts";
import { VERSION } from "../version.ts";
import { isUrlList } from "./peer.ts";
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

export function adminRoutes(b: AdminBackend): Hono {
  const app = new Hono();
  app.get("/version", () => jsonResponse(versionInfo));
  app.get("/health", async () => {
    const ok = await b.health();
    return jsonResponse({ health: ok ? "true" : "false" }, ok ? 200 : 503);
  });
  // etcd sorts the URLs themselves, which also lists 0.2 clusters in join order.
  app.get("/v2/machines", () => textResponse(b.members().flatMap((m) => m.clientURLs).sort().join(", ")));
  app.get("/v2/leader", () => {
    const l = b.leader();
    if (!l) return textResponse("no leader\n", 503);
    return textResponse(l.peerURLs[0] ?? "");
  });
  app.get("/v2/members", () => jsonResponse({ members: b.members().map(memberJson) }, 200, { "X-Etcd-Cluster-Id": b.clusterId }));
  app.post("/v2/members", async (c) => {
    const urls = await peerUrlsFromBody(c.req.raw);
    if (typeof urls === "string") return jsonResponse({ message: urls }, 400);
    return await memberOp(async () => jsonResponse(memberJson(await b.addMember(urls)), 201));
  });
  app.delete("/v2/members/:id", (c) => memberOp(async () => {
    await b.removeMember(c.req.param("id"));
    return new Response(null, { status: 204 });
  }));
  app.put("/v2/members/:id", async (c) => {
    const urls = await peerUrlsFromBody(c.req.raw);
    if (typeof urls === "string") return jsonResponse({ message: urls }, 400);
    return await memberOp(async () => {
      await b.updateMember(c.req.param("id"), urls);
      return new Response(null, { status: 204 });
    });
  });
  app.get("/v2/members/leader", () => {
    const l = b.leader();
    if (!l) return jsonResponse({ message: "During leader election" }, 503);
    return jsonResponse(memberJson(l));
  });
  app.get("/v2/stats/store", () => jsonResponse(b.storeStats()));
  // `etcd ctl snapshot save`: a consistent image of the keyspace.
  app.get("/v2/snapshot", async () => {
    try {
      return jsonResponse(await b.backup());
    } catch (err) {
      const e = err as { message: string; cause?: string };
      return jsonResponse({ message: `${e.message}${e.cause ? `: ${e.cause}` : ""}` }, 503);
    }
  });
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
    return jsonResponse({ leader: b.memberId, followers: b.followerStats() });
  });
  return app;
}

/** Runs a membership change, turning its errors into etcd's {"message"} answers. */
async function memberOp(fn: () => Promise<Response>): Promise<Response> {
  try {
    return await fn();
  } catch (err) {
    const status = (err as { status?: number }).status ?? 500;
    const e = err as { errorCode?: number; cause?: string; message: string };
    const message = e.errorCode ? `${e.message}${e.cause ? `: ${e.cause}` : ""}` : e.message;
    return jsonResponse({ message }, status === 400 && e.errorCode ? 500 : status);
  }
}

/** The {"peerURLs": [...]} body of member add/update. */
async function peerUrlsFromBody(req: Request): Promise<string[] | string> {
  let body: { peerURLs?: unknown };
  try {
    body = await req.json();
  } catch {
    return `unexpected body: expected JSON {"peerURLs": ["http://host:port"]}`;
  }
  if (!isUrlList(body?.peerURLs)) return `invalid peerURLs: expected a non-empty list of http(s)://host:port URLs`;
  return body.peerURLs;
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
