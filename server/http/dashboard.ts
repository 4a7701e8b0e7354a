// /mod/dashboard/: the page, its script and stylesheet, and the live status
// stream it reads. Everything is served from here, so the dashboard works
// with no network beyond this member; the CSP makes sure it stays that way.

import { Hono } from "hono";
import { DASHBOARD_EVENTS_PATH } from "../../shared/dashboard.ts";
import { type DashboardAssets, dashboardAssets } from "./dashboard_assets.ts";
import { type DashboardSource, DashboardStream, type StreamOptions } from "./dashboard_stream.ts";

export type { DashboardSource } from "./dashboard_stream.ts";

export const DASHBOARD_PATH = "/mod/dashboard";

export interface DashboardOptions {
  /** Where the script and stylesheet come from (default: embedded, or built from source). */
  assets?: () => Promise<DashboardAssets>;
  stream?: StreamOptions;
}

/** No requests anywhere but this member, no inline script. */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const FAVICON = "data:image/svg+xml," + encodeURIComponent(
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#2f7fc1"/>` +
    `<path d="M9 10h14M9 16h10M9 22h14" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>`,
);

/** Every stream of every dashboardRoutes() in this process, for closeDashboardStreams(). */
const streams = new Set<DashboardStream>();

/**
 * Ends every open dashboard stream. A member that is stopping calls this
 * before closing its listeners: a listener that waits for open requests to
 * finish would otherwise wait for the pages (EventSource reconnects later).
 */
export function closeDashboardStreams(): void {
  for (const s of streams) s.close();
}

export function dashboardRoutes(source: DashboardSource, opts: DashboardOptions = {}): Hono {
  const assets = opts.assets ?? dashboardAssets;
  const stream = new DashboardStream(source, opts.stream);
  streams.add(stream);
  const app = new Hono();

  app.get(DASHBOARD_PATH, (c) => {
    const q = new URL(c.req.url).search;
    return new Response(null, { status: 301, headers: { Location: `${DASHBOARD_PATH}/${q}` } });
  });

  app.get(`${DASHBOARD_PATH}/`, async () => {
    const a = await loaded(assets);
    if (a instanceof Response) return a;
    return new Response(page(a.version), {
      headers: {
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": "no-cache",
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
      },
    });
  });

  app.get(`${DASHBOARD_PATH}/app.js`, async (c) => {
    const a = await loaded(assets);
    if (a instanceof Response) return a;
    return asset(a.js, "text/javascript; charset=utf-8", c.req.query("v") === a.version);
  });

  app.get(`${DASHBOARD_PATH}/app.css`, async (c) => {
    const a = await loaded(assets);
    if (a instanceof Response) return a;
    return asset(a.css, "text/css; charset=utf-8", c.req.query("v") === a.version);
  });

  app.get(`${DASHBOARD_PATH}/${DASHBOARD_EVENTS_PATH}`, (c) => stream.open(c.req.raw.signal));

  return app;
}

/** The assets, or a 503 that says why they are missing. */
async function loaded(assets: () => Promise<DashboardAssets>): Promise<DashboardAssets | Response> {
  try {
    return await assets();
  } catch (err) {
    console.error("dashboard: cannot build the dashboard's assets:", err);
    return new Response(`The dashboard is not available: ${(err as Error)?.message ?? err}\n`, {
      status: 503,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
  }
}

function asset(body: string, type: string, versioned: boolean): Response {
  return new Response(body, {
    headers: {
      "Content-Type": type,
      // A versioned URL never changes content; an unversioned one might.
      "Cache-Control": versioned ? "public, max-age=31536000, immutable" : "no-cache",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

function page(version: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>etcd dashboard</title>
<link rel="icon" href="${FAVICON}">
<link rel="stylesheet" href="app.css?v=${version}">
<script defer src="app.js?v=${version}"></script>
</head>
<body>
<div id="app"><noscript>The etcd dashboard needs JavaScript.</noscript></div>
</body>
</html>
`;
}
