// The peer-facing app. For a single member it answers what joining members
// and tools ask first: the member list and the version.

import { Hono } from "hono";
import type { V2Member } from "../../shared/api.ts";
import { versionInfo } from "./admin.ts";
import { jsonResponse } from "./responses.ts";

export interface PeerBackend {
  readonly clusterId: string;
  members(): V2Member[];
}

export function createPeerApp(b: PeerBackend): Hono {
  const app = new Hono();
  app.get("/members", () => jsonResponse(b.members(), 200, { "X-Etcd-Cluster-Id": b.clusterId }));
  app.get("/version", () => jsonResponse(versionInfo));
  app.notFound(() => jsonResponse({ message: "404 page not found" }, 404));
  return app;
}
