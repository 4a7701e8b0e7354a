// The keys API as a route of the HTTP/1.1 front door (http1_front.ts): the
// same core and the same requests as keys_node.ts, read from the front's
// parsed head; OPTIONS, HEAD, oversized bodies and anything unusual stay
// with node's http server and the Hono app.

import type { Http1Route, Http1RouteAnswer } from "./http1_front.ts";
import type { Http1Head } from "./http1_head.ts";
import type { KeysCore } from "./keys.ts";
import { fastKeysTarget } from "./keys_target.ts";

export interface Http1KeysOptions {
  maxRequestBytes: number;
  /** Told of every answered request (the metrics). */
  answered(method: string, status: number): void;
}

const METHODS = new Set(["GET", "PUT", "POST", "DELETE"]);

export function http1KeysRoute(core: KeysCore, opts: Http1KeysOptions): Http1Route {
  return {
    takes: (head) =>
      METHODS.has(head.method) && head.headers.has("host") && head.contentLength <= opts.maxRequestBytes &&
      fastKeysTarget(head.target) !== null,
    answer: (head: Http1Head, body: () => Promise<string>): Promise<Http1RouteAnswer> => {
      const target = fastKeysTarget(head.target)!;
      return core({
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
    },
  };
}
