// Differences from etcd 3.4 that we have chosen on purpose. Each entry must
// say why, and should match as narrowly as possible: a difference is only
// excused when every difference of that response is excused by one entry.
import type { Difference } from "./compare.ts";
import type { NormalRecord } from "./normalize.ts";
import type { Op } from "./ops.ts";
import type { RelRequest } from "./request.ts";

export interface DifferenceCase {
  op: Op;
  request: RelRequest;
  etcd: NormalRecord;
  ours: NormalRecord;
  differences: Difference[];
}

export interface Deliberate {
  /** Short stable name, printed in reports. */
  id: string;
  /** Why we differ on purpose (and where it is documented). */
  reason: string;
  matches(c: DifferenceCase): boolean;
}

export const DELIBERATE: readonly Deliberate[] = [
  {
    id: "prompt-expiry",
    reason:
      "Keys expire when their time comes, not on etcd's 500 ms sweep (README: Differences from etcd). " +
      "So a watch that starts just after a ttl=0 write finds the expire event already in history, " +
      "and its X-Etcd-Index (the index when the watch began) counts the expiry; etcd's watch began before it.",
    matches: (c) =>
      actionOf(c.etcd) === "expire" && actionOf(c.ours) === "expire" &&
      c.differences.every((d) => d.path === "headers.etcdIndex"),
  },
];

function actionOf(r: NormalRecord): unknown {
  return (r.body as { action?: unknown } | null)?.action;
}

/** The deliberate entry that excuses this case, if any. */
export function excuse(c: DifferenceCase, list: readonly Deliberate[] = DELIBERATE): Deliberate | undefined {
  return list.find((d) => d.matches(c));
}
