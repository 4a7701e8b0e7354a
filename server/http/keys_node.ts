// The keys API straight on node:http, for the requests that make up nearly
// all load: the web Request/Response objects, Hono's dispatch and the
// adaptor cost 3x node's own HTTP handling per GET (25 of 33 µs of user CPU
// measured under wrk). Anything unusual (OPTIONS, chunked or oversized
// bodies, unclean paths, other routes) goes to the Hono app instead, which
// answers it the same way it always has.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { KeysAnswer, KeysCore } from "./keys.ts";
import { fastKeysTarget, type FastKeysOptions } from "./keys_target.ts";
import { bodyTooLarge } from "./body.ts";
import { internalErrorAnswer } from "./responses.ts";
import { requestEnded, requestStarted } from "../runtime/client_load.ts";

/** Handles the request and returns true, or returns false for the caller to handle it. */
export type NodeFastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

export function nodeKeysFastPath(core: KeysCore, opts: FastKeysOptions): NodeFastPath {
  return (req, res) => {
    const target = fastKeysTarget(req.url ?? "");
    if (target === null) return false;
    const method = req.method ?? "";
    if (method === "OPTIONS") return false;
    const h = req.headers;
    // HTTP/0.9-style request lines and requests without a Host get the adaptor's 400, as Go's.
    if (req.httpVersionMajor !== 1 || h.host === undefined) return false;
    if (h["transfer-encoding"] !== undefined) return false;
    const length = h["content-length"];
    if (length !== undefined && !(Number(length) <= opts.maxRequestBytes)) return false;

    requestStarted();
    core({
      method,
      rawPath: target.rawPath,
      query: target.query,
      origin: h.origin ?? null,
      contentType: h["content-type"] ?? null,
      readBody: (limit) => readNodeBody(req, limit),
    }).then(
      (a) => send(res, a, opts),
      (err) => send(res, internalErrorAnswer(err), opts),
    );
    return true;
  };
}

function send(res: ServerResponse, a: KeysAnswer, opts: FastKeysOptions): void {
  opts.answered(res.req.method ?? "", a.status);
  requestEnded(res.socket, !a.feed);
  const feed = a.feed;
  if (!feed) {
    if (a.body !== null) a.headers["Content-Length"] = String(Buffer.byteLength(a.body));
    res.writeHead(a.status, a.headers);
    res.end(a.body ?? undefined);
    return;
  }
  // Like etcd: the headers go out at once, then each event as a chunk.
  res.writeHead(a.status, a.headers);
  res.flushHeaders();
  res.once("close", () => feed.close());
  feed.attach({
    write: (chunk) => {
      if (!res.writableEnded) res.write(chunk);
    },
    end: (last) => {
      if (!res.writableEnded) res.end(last);
    },
  });
}

const decoder = new TextDecoder();

/** The request body (at most `limit` bytes; the fast path only takes declared lengths) as text. */
function readNodeBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) return reject(bodyTooLarge(limit));
      chunks.push(c);
    });
    req.on("end", () => resolve(decoder.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))));
    req.on("error", reject);
  });
}
