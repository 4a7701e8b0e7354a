// Which keys requests the fast paths (keys_node.ts, keys_http1.ts) serve by
// their target; everything else goes through the Hono app.

import { isUncleanPath } from "./clean_path.ts";
import { KEYS_PREFIX } from "./keys.ts";

/** What both fast paths need besides the core. */
export interface FastKeysOptions {
  maxRequestBytes: number;
  /** Told of every answered request (the metrics). */
  answered(method: string, status: number): void;
}

export interface KeysTarget {
  /** Still %-encoded, starting with /v2/keys. */
  rawPath: string;
  query: string;
}

/** The path and query of a keys request target, or null if it is not one the fast paths take. */
export function fastKeysTarget(url: string): KeysTarget | null {
  if (!url.startsWith(KEYS_PREFIX)) return null;
  const next = url.charCodeAt(KEYS_PREFIX.length);
  // "/v2/keys", "/v2/keys/...", "/v2/keys?..." but not "/v2/keysfoo".
  if (!(isNaN(next) || next === 0x2f || next === 0x3f)) return null;
  const q = url.indexOf("?");
  const rawPath = q === -1 ? url : url.slice(0, q);
  // Unclean paths get the app's 301 to the clean one.
  if (isUncleanPath(rawPath)) return null;
  return { rawPath, query: q === -1 ? "" : url.slice(q + 1) };
}
