// The keys API as a route of the HTTP/1.1 front door (http1_front.ts): the
// same core and the same requests as keys_node.ts, read from the front's
// parsed head; OPTIONS, HEAD, oversized bodies and anything unusual stay
// with node's http server and the Hono app.

import type { Http1Route } from "./http1_front.ts";
import type { KeysCore } from "./keys.ts";
import { fastKeysTarget, type FastKeysOptions } from "./keys_target.ts";

const METHODS = new Set(["GET", "PUT", "POST", "DELETE"]);

export function http1KeysRoute(core: KeysCore, opts: FastKeysOptions): Http1Route {
  return (head) => {
    if (!METHODS.has(head.method) || !head.headers.has("host") || head.contentLength > opts.maxRequestBytes) return null;
    const target = fastKeysTarget(head.target);
    if (target === null) return null;
    return (body) =>
      core({
        method: head.method,
        rawPath: target.rawPath,
        query: target.query,
        origin: head.headers.get("origin") ?? null,
        contentType: head.headers.get("content-type") ?? null,
        // The front took only bodies within the limit.
        readBody: body,
      }).then((a) => {
        opts.answered(head.method, a.status);
        return a;
      });
  };
}
