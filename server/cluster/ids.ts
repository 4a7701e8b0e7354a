// Member and cluster IDs derived the way etcd derives them, so a cluster
// started with the same --initial-cluster and token gets etcd's IDs.

import { createHash } from "node:crypto";

function first8BytesHex(data: Uint8Array | string): string {
  return createHash("sha1").update(data).digest("hex").slice(0, 16);
}

/** Lower-case hex without leading zeros, as etcd prints IDs. */
export function formatId(hex16: string): string {
  return hex16.replace(/^0+(?=.)/, "");
}

/** SHA-1 over the sorted peer URLs, the cluster token and (for run-time adds) the time in seconds. */
export function computeMemberId(peerUrls: string[], token: string, unixSeconds?: number): string {
  let s = [...peerUrls].sort().join("") + token;
  if (unixSeconds !== undefined) s += String(unixSeconds);
  return formatId(first8BytesHex(s));
}

/** SHA-1 over the member IDs, sorted numerically, as 8-byte big-endian numbers. */
export function computeClusterId(memberIds: string[]): string {
  const ids = memberIds.map((id) => BigInt("0x" + id)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const buf = new Uint8Array(8 * ids.length);
  const view = new DataView(buf.buffer);
  ids.forEach((id, i) => view.setBigUint64(8 * i, id));
  return formatId(first8BytesHex(buf));
}

/** Numeric order of hex IDs (etcd sorts members by numeric ID). */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
