// Structural comparison of two normalized records.
import type { NormalRecord } from "./normalize.ts";

export interface Difference {
  /** Where in the record, e.g. `body.node.nodes[1].value`. */
  path: string;
  etcd: unknown;
  ours: unknown;
}

// Both servers are asked within milliseconds of each other, but a TTL is
// counted in whole seconds and may tick over in between.
const TTL_TOLERANCE = 1;

/** Lists every place where `ours` differs from `etcd`; empty when equal. */
export function compareRecords(etcd: NormalRecord, ours: NormalRecord): Difference[] {
  const out: Difference[] = [];
  walk(etcd, ours, "", out);
  return out;
}

function walk(a: unknown, b: unknown, path: string, out: Difference[]): void {
  if (Object.is(a, b)) return;
  if (path.endsWith(".ttl") && typeof a === "number" && typeof b === "number") {
    if (Math.abs(a - b) > TTL_TOLERANCE) out.push({ path, etcd: a, ours: b });
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      out.push({ path: `${path}.length`, etcd: a.length, ours: b.length });
    }
    for (let i = 0; i < Math.min(a.length, b.length); i++) walk(a[i], b[i], `${path}[${i}]`, out);
    return;
  }
  if (isObject(a) && isObject(b)) {
    const names = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const name of [...names].sort()) {
      const sub = path === "" ? name : `${path}.${name}`;
      if (!(name in a)) out.push({ path: sub, etcd: "<absent>", ours: b[name] });
      else if (!(name in b)) out.push({ path: sub, etcd: a[name], ours: "<absent>" });
      else walk(a[name], b[name], sub, out);
    }
    return;
  }
  out.push({ path: path === "" ? "<record>" : path, etcd: a, ours: b });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
