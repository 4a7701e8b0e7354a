// Cluster-level endpoints outside the keyspace: version, health, stats,
// machines, leader and members, in the shapes etcd 0.2 and 2.x clients read.

import { Hono } from "hono";
import { type AdminBackend, adminReads, memberJson } from "./admin_reads.ts";
import { isUrlList } from "./peer.ts";
import { answerResponse, jsonResponse } from "./responses.ts";

export function adminRoutes(b: AdminBackend): Hono {
  const app = new Hono();
  // The reads are shared with the HTTP/1.1 front door (admin_http1.ts).
  for (const [path, read] of adminReads(b)) app.get(path, async () => answerResponse(await read()));
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
  // `etcd ctl snapshot save`: a consistent image of the keyspace.
  app.get("/v2/snapshot", async () => {
    try {
      return jsonResponse(await b.backup());
    } catch (err) {
      const e = err as { message: string; cause?: string };
      return jsonResponse({ message: `${e.message}${e.cause ? `: ${e.cause}` : ""}` }, 503);
    }
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
