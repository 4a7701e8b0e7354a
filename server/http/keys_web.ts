// The keys handler for web Requests (Hono on Deno.serve, and node requests
// the fast path in keys_node.ts passes over).

import { readBody } from "./body.ts";
import { splitUrl } from "./clean_path.ts";
import type { KeysCore } from "./keys.ts";
import { answerResponse } from "./responses.ts";
import { onExchangeEnd } from "../runtime/serve.ts";

export function webKeysHandler(core: KeysCore): (req: Request) => Promise<Response> {
  return async (req) => {
    const { rawPath, query } = splitUrl(req.url);
    const a = await core({
      method: req.method,
      rawPath,
      query,
      origin: req.headers.get("origin"),
      contentType: req.headers.get("content-type"),
      readBody: (limit) => readBody(req, limit),
    });
    const feed = a.feed;
    if (!feed) return answerResponse(a);
    const body = new ReadableStream<Uint8Array>({
      start(ctrl) {
        feed.attach({
          // A copy each: a runtime may take ownership of the chunks it is given.
          write: (chunk) => ctrl.enqueue(chunk.slice()),
          end: (last) => {
            try {
              if (last) ctrl.enqueue(last.slice());
              ctrl.close();
            } catch { /* the client already cancelled */ }
          },
        });
      },
      cancel() {
        feed.close();
      },
    });
    onExchangeEnd(req, () => feed.close());
    return answerResponse(a, body);
  };
}
