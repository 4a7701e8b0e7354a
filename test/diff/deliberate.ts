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

export const DELIBERATE: readonly Deliberate[] = [];

/** The deliberate entry that excuses this case, if any. */
export function excuse(c: DifferenceCase, list: readonly Deliberate[] = DELIBERATE): Deliberate | undefined {
  return list.find((d) => d.matches(c));
}
