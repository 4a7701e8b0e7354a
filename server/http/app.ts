// The client-facing Hono app: keys API, cluster endpoints, modules.

import { Hono } from "hono";
import { adminRoutes } from "./admin.ts";
import { type AdminBackend, adminReads } from "./admin_reads.ts";
import { http1AdminRoute } from "./admin_http1.ts";
import { dashboardRoutes } from "./dashboard.ts";
import { type DashboardBackend, dashboardSource } from "./dashboard_source.ts";
import { cleanPaths } from "./clean_path.ts";
import { createKeysCore, type KeysBackend, type KeysOptions } from "./keys.ts";
import { webKeysHandler } from "./keys_web.ts";
import { type NodeFastPath, nodeKeysFastPath } from "./keys_node.ts";
import { http1KeysRoute } from "./keys_http1.ts";
import type { Http1Route } from "./http1_front.ts";
import { cors, corsHeaders } from "./cors.ts";
import { metrics } from "../metrics.ts";
import { internalErrorBody, jsonResponse } from "./responses.ts";
import { moduleRoutes } from "../modules/mod.ts";

export type ClientBackend = KeysBackend & AdminBackend & DashboardBackend;

export interface ClientApp {
  app: Hono;
  /** On node:http, the keys requests it can serve without the Hono app. */
  nodeFastPath: NodeFastPath;
  /** On Node's plain-HTTP listeners, the keys and cluster reads the HTTP/1.1 front door answers itself. */
  http1Route: Http1Route;
}

// One incrementer per method and status seen: rendering labels per request cost ~3% of a GET.
const requestSeries = new Map<string, () => void>();
function countRequest(method: string, status: number): void {
  const k = method + " " + status;
  let inc = requestSeries.get(k);
  if (!inc) requestSeries.set(k, inc = metrics.httpRequests.series({ method, code: String(status) }));
  inc();
}

export function createClientApp(backend: ClientBackend, opts: KeysOptions & { cors: string[] }): ClientApp {
  const app = new Hono();
  app.use("*", async (c, next) => {
    await next();
    countRequest(c.req.method, c.res.status);
  });
  app.use("*", cors(opts.cors));
  // After cors: etcd's redirects carry the CORS headers too.
  app.use("*", cleanPaths());
  app.get("/metrics", () =>
    new Response(metrics.registry.render(), { headers: { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" } }));
  const core = createKeysCore(backend, { ...opts, corsHeaders: corsHeaders(opts.cors) });
  const keys = webKeysHandler(core);
  app.all("/v2/keys", (c) => keys(c.req.raw));
  app.all("/v2/keys/*", (c) => keys(c.req.raw));
  app.route("/", adminRoutes(backend));
  app.route("/", dashboardRoutes(dashboardSource(backend)));
  app.route("/", moduleRoutes(backend, opts));
  app.notFound(() => jsonResponse({ message: "404 page not found" }, 404));
  app.onError((err) => {
    console.error("unhandled error:", err);
    return new Response(internalErrorBody(err), { status: 500, headers: { "Content-Type": "application/json" } });
  });
  const fastOpts = { maxRequestBytes: opts.maxRequestBytes, answered: countRequest };
  const keysRoute = http1KeysRoute(core, fastOpts);
  const adminRoute = http1AdminRoute(adminReads(backend), { cors: corsHeaders(opts.cors), answered: countRequest });
  return { app, nodeFastPath: nodeKeysFastPath(core, fastOpts), http1Route: (head) => keysRoute(head) ?? adminRoute(head) };
}
