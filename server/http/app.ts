// The client-facing Hono app: keys API, cluster endpoints, modules.

import { Hono } from "hono";
import { type AdminBackend, adminRoutes } from "./admin.ts";
import { dashboardRoutes } from "./dashboard.ts";
import { type DashboardBackend, dashboardSource } from "./dashboard_source.ts";
import { cleanPaths } from "./clean_path.ts";
import { createKeysHandler, type KeysBackend, type KeysOptions } from "./keys.ts";
import { cors, corsHeaders } from "./cors.ts";
import { metrics } from "../metrics.ts";
import { jsonResponse } from "./responses.ts";
import { moduleRoutes } from "../modules/mod.ts";

export type ClientBackend = KeysBackend & AdminBackend & DashboardBackend;

export function createClientApp(backend: ClientBackend, opts: KeysOptions & { cors: string[] }): Hono {
  const app = new Hono();
  app.use("*", async (c, next) => {
    await next();
    metrics.httpRequests.inc({ method: c.req.method, code: String(c.res.status) });
  });
  app.use("*", cors(opts.cors));
  // After cors: etcd's redirects carry the CORS headers too.
  app.use("*", cleanPaths());
  app.get("/metrics", () =>
    new Response(metrics.registry.render(), { headers: { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" } }));
  const keys = createKeysHandler(backend, { ...opts, corsHeaders: corsHeaders(opts.cors) });
  app.all("/v2/keys", (c) => keys(c.req.raw));
  app.all("/v2/keys/*", (c) => keys(c.req.raw));
  app.route("/", adminRoutes(backend));
  app.route("/", dashboardRoutes(dashboardSource(backend)));
  app.route("/", moduleRoutes(backend, opts));
  app.notFound(() => jsonResponse({ message: "404 page not found" }, 404));
  app.onError((err) => {
    console.error("unhandled error:", err);
    return jsonResponse({ errorCode: 300, message: "Raft Internal Error", cause: String(err?.message ?? err), index: 0 }, 500);
  });
  return app;
}
