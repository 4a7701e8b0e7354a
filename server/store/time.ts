// Time as etcd shows it: RFC 3339 in UTC, and TTLs rounded up to whole seconds.

/** Go's RFC3339Nano in UTC: trailing zeros of the fraction dropped. */
export function formatExpiration(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2006-01-02T15:04:05.123Z
  const dot = iso.indexOf(".");
  let frac = iso.slice(dot + 1, iso.length - 1).replace(/0+$/, "");
  return iso.slice(0, dot) + (frac ? "." + frac : "") + "Z";
}

/** Remaining seconds, rounded up (1..n), as etcd computes ttl. */
export function ttlSeconds(expireAt: number, now: number): number {
  const left = expireAt - now;
  return left <= 0 ? 0 : Math.ceil(left / 1000);
}
