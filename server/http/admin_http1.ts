// The read-only cluster endpoints (admin_reads.ts) as a route of the
// HTTP/1.1 front door: plain GETs of an exact path, with the same CORS
// headers the app's middleware adds. Anything else (a query, HEAD, a body)
// stays with node's http server and the Hono app.

import type { AdminRead } from "./admin_reads.ts";
import type { CorsHeaders } from "./cors.ts";
import type { Http1Route } from "./http1_front.ts";

export interface AdminRouteOptions {
  cors: CorsHeaders;
  /** Told of every answered request (the metrics). */
  answered(method: string, status: number): void;
}

export function http1AdminRoute(reads: Map<string, AdminRead>, opts: AdminRouteOptions): Http1Route {
  return (head) => {
    if (head.method !== "GET" || head.contentLength > 0 || !head.headers.has("host")) return null;
    const read = reads.get(head.target);
    if (read === undefined) return null;
    const cors = opts.cors(head.headers.get("origin") ?? null);
    return async () => {
      const a = await read();
      opts.answered("GET", a.status);
      // A poll of these does not make the server shared (client_load.ts), as it did not through the app.
      return { status: a.status, headers: cors ? { ...a.headers, ...cors } : a.headers, body: a.body, light: true };
    };
  };
}
