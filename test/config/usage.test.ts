// The --help text lists every flag of both generations, grouped, with
// defaults and the matching environment variables and file keys.

import assert from "node:assert/strict";
import { usage } from "../../server/config/load.ts";
import {
  envNames,
  ETCD2_FLAGS,
  OPTIONS,
  tomlKeys,
} from "../../server/config/options.ts";

// Words of the usage text, without trailing punctuation or "=<value>".
const words = new Set(
  usage.split(/[\s,()]+/).map((w) => w.replace(/=.*$|\.$/, "")),
);

Deno.test("usage names every flag, old spellings included", () => {
  for (const spec of OPTIONS) {
    for (const flag of spec.flags) {
      const shown = (ETCD2_FLAGS.has(flag) ? "--" : "-") + flag;
      assert.ok(words.has(shown), `${shown} missing from usage`);
    }
    for (const old of spec.deprecated ?? []) {
      assert.ok(words.has(`-${old}`), `-${old} missing from usage`);
    }
  }
});

Deno.test("usage shows the flags the brief lists for each generation", () => {
  const etcd02 =
    "-name -data-dir -addr -bind-addr -peer-addr -peer-bind-addr -peers -peers-file -snapshot -snapshot-count -peer-heartbeat-timeout -peer-election-timeout -config -f -force -v -vv -version -cors -cert-file -key-file -ca-file -peer-cert-file -peer-key-file -peer-ca-file -discovery -max-cluster-size -max-result-buffer -max-retry-attempts -cpuprofile -retry-interval";
  const etcd2 =
    "--name --data-dir --listen-client-urls --advertise-client-urls --listen-peer-urls --initial-advertise-peer-urls --initial-cluster --initial-cluster-state --initial-cluster-token --heartbeat-interval --election-timeout --snapshot-count --force-new-cluster --enable-v2 --cors --cert-file --key-file --client-cert-auth --trusted-ca-file --peer-cert-file --peer-key-file --peer-client-cert-auth --peer-trusted-ca-file --config-file --discovery --log-level --max-request-bytes --version";
  for (const flag of etcd02.split(" ")) {
    assert.ok(
      words.has(flag) || words.has("-" + flag),
      `${flag} missing from usage`,
    );
  }
  for (const flag of etcd2.split(" ")) {
    assert.ok(words.has(flag), `${flag} missing from usage`);
  }
});

Deno.test("usage names every environment variable and file key", () => {
  for (const spec of OPTIONS) {
    for (const name of envNames(spec)) {
      assert.ok(words.has(name), `${name} missing from usage`);
    }
    for (const key of tomlKeys(spec)) {
      assert.ok(words.has(key), `${key} missing from usage`);
    }
  }
});

Deno.test("usage is grouped, shows defaults and fits 80 columns", () => {
  for (
    const title of [
      "Member options:",
      "Clustering options (etcd 2.x):",
      "Clustering options (etcd 0.2):",
      "Security options:",
      "Logging options:",
    ]
  ) {
    assert.ok(usage.includes(`\n${title}\n`), title);
  }
  for (
    const dflt of [
      'Default: "default".',
      "Default: 10000.",
      "Default: 100.",
      "Default: 1000.",
      'Default: "new".',
    ]
  ) {
    assert.ok(usage.includes(dflt), dflt);
  }
  const flat = usage.replace(/\s+/g, " ");
  assert.ok(
    flat.includes('Default: "http://localhost:2379,http://localhost:4001".'),
  );
  const long = usage.split("\n").filter((l) => l.length > 80);
  assert.deepEqual(long, []);
});
