// Settings from ETCD_* environment variables: ETCD_ plus the flag name in
// upper case with "-" as "_", and the spellings etcd 0.2 used where they
// differ (ETCD_SNAPSHOTCOUNT, ETCD_VERBOSE, ETCD_CONFIG). Empty values are
// ignored, as both etcd generations did. Unknown ETCD_* names are ignored
// too (etcd only warned), and ETCD_VERSION in particular never means
// --version: container images commonly set it.

import { envNames, OPTIONS } from "./options.ts";
import { type Layer, parseText, RANK } from "./values.ts";

export function readEnv(env: Record<string, string | undefined>): Layer {
  const layer: Layer = new Map();
  for (const spec of OPTIONS) {
    // When several spellings are set, the first listed (the etcd 2.x one) wins.
    for (const name of envNames(spec)) {
      const raw = env[name];
      if (raw === undefined || raw.trim() === "") continue;
      const label = `environment variable ${name}`;
      const text = spec.kind === "string" || spec.kind === "list"
        ? raw
        : raw.trim();
      layer.set(spec.id, {
        value: parseText(spec.kind, text, label),
        source: { rank: RANK.env, label },
      });
      break;
    }
  }
  return layer;
}
