// The client-facing Hono app: keys API, cluster endpoints, modules.

import { Hono } from "hono";
import { type AdminBackend, adminRoutes } from "./admin.ts";
import { dashboardRoutes } from "./dashboard.ts";
import { type DashboardBackend, dashboardSource } from "./dashboard_source.ts";
import { cleanRedirect, createKeysHandler, type KeysBackend, type KeysOptions, splitUrl } from "./keys.ts";
import { rawRequestTarget } from "../runtime/serve.ts";
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
  // Like Go's ServeMux, any unclean path gets a 301 to the clean one, with
  // CORS headers as etcd's (on Node judged from the target as sent: its
  // adaptor resolves the dots in req.url).
  app.use("*", async (c, next) => {
    const sent = rawRequestTarget(c.req.raw);
    const { rawPath, query } = splitUrl(sent ? "http://target" + sent : c.req.url);
    const redirect = cleanRedirect(rawPath, query, c.req.method);
    if (redirect) return redirect;
    await next();
  });
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
