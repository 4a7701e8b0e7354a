// CORS as etcd does it: with the default (no --cors given, etcd 3.4 behaves
// as "*") every response allows any origin; with a list, only those origins
// get the headers. OPTIONS preflights get 200 and the headers, nothing else.

import type { MiddlewareHandler } from "hono";
import { carriesCors } from "./responses.ts";

const METHODS = "POST, GET, OPTIONS, PUT, DELETE";
const HEADERS = "accept, content-type, authorization";

/** The CORS headers for a request from `origin`, or null when it gets none. */
export type CorsHeaders = (origin: string | null) => Record<string, string> | null;

export function corsHeaders(origins: string[]): CorsHeaders {
  const any = origins.length === 0 || origins.includes("*");
  const allowed = new Set(origins);
  const forAny = headersFor("*");
  return (origin) => any ? forAny : origin && allowed.has(origin) ? headersFor(origin) : null;
}

function headersFor(origin: string): Record<string, string> {
  return {
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Allow-Methods": METHODS,
    "Access-Control-Allow-Headers": HEADERS,
  };
}

export function cors(origins: string[]): MiddlewareHandler {
  const any = origins.length === 0 || origins.includes("*");
  const allowed = new Set(origins);
  return async (c, next) => {
    const origin = c.req.header("origin");
    const allow = any ? "*" : origin && allowed.has(origin) ? origin : null;
    if (c.req.method === "OPTIONS") {
      const headers: Record<string, string> = {};
      if (allow) {
        headers["Access-Control-Allow-Origin"] = allow;
        headers["Access-Control-Allow-Methods"] = METHODS;
        headers["Access-Control-Allow-Headers"] = HEADERS;
      }
      return new Response(null, { status: 200, headers });
    }
    await next();
    // Handlers on hot paths put the headers in themselves: touching
    // c.res.headers here would build a Headers object per response.
    if (allow && !carriesCors.has(c.res)) {
      const h = c.res.headers;
      h.set("Access-Control-Allow-Origin", allow);
      h.set("Access-Control-Allow-Methods", METHODS);
      h.set("Access-Control-Allow-Headers", HEADERS);
    }
  };
}
