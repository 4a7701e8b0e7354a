// Reads a request body as text, refusing (with etcd's error) bodies over the limit.

import { EtcdError } from "../store/errors.ts";

export class BodyTooLargeError extends EtcdError {
  override get status(): number {
    return 413;
  }
}

const decoder = new TextDecoder();

/** etcd's error for a body over `limit` bytes. */
export function bodyTooLarge(limit: number): BodyTooLargeError {
  return new BodyTooLargeError(210, `request body is larger than ${limit} bytes`, 0);
}

export async function readBody(req: Request, limit: number): Promise<string> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  const tooLarge = () => bodyTooLarge(limit);
  if (declared > limit) throw tooLarge();
  // With a Content-Length and no chunking, the runtime's parser already bounds
  // the body; reading it whole skips the web stream machinery (on Node that
  // means no ReadableStream/Request objects per request).
  if (req.headers.has("content-length") && !req.headers.has("transfer-encoding")) {
    return declared === 0 ? "" : decoder.decode(await req.arrayBuffer());
  }
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return decoder.decode(chunks[0]);
  const all = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.byteLength;
  }
  return decoder.decode(all);
}
