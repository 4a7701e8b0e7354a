// Flags of both etcd generations with Go flag semantics.

import assert from "node:assert/strict";
import { BY_FLAG, OPTIONS } from "../../server/config/options.ts";
import { assertConfigError, load } from "./helpers.ts";
import { SAMPLES } from "./samples.ts";

Deno.test("every option has a sample in the test table", () => {
  const missing = OPTIONS.map((o) => o.id).filter((id) => !(id in SAMPLES));
  assert.deepEqual(missing, []);
});

// -x v, -x=v, --x v, --x=v for every flag name, old spellings included.
Deno.test("every flag works in all four syntaxes", () => {
  let checked = 0;
  for (const spec of OPTIONS) {
    const sample = SAMPLES[spec.id];
    for (const flag of [...spec.flags, ...(spec.deprecated ?? [])]) {
      const forms = spec.kind === "bool"
        ? [[`-${flag}=${sample.text}`], [`--${flag}=${sample.text}`]]
        : [[`-${flag}`, sample.text], [`-${flag}=${sample.text}`], [
          `--${flag}`,
          sample.text,
        ], [
          `--${flag}=${sample.text}`,
        ]];
      for (const form of forms) {
        const argv = [...form, ...(sample.companions ?? [])];
        const config = load(argv, {}, sample.files);
        assert.deepEqual(
          sample.check(config),
          sample.want,
          `etcd ${argv.join(" ")}`,
        );
        checked++;
      }
    }
  }
  assert.ok(checked > 150, `only ${checked} cases ran`);
});

Deno.test("a bare boolean flag means true, with one or two dashes", () => {
  for (const spec of OPTIONS.filter((o) => o.kind === "bool")) {
    const sample = SAMPLES[spec.id];
    if (sample.text !== "true") continue; // -snapshot, --enable-v2 default to true
    for (const flag of spec.flags) {
      for (const dashes of ["-", "--"]) {
        assert.deepEqual(
          sample.check(load([dashes + flag])),
          sample.want,
          dashes + flag,
        );
      }
    }
  }
});

Deno.test("boolean flags take Go's true and false spellings after =", () => {
  for (const t of ["1", "t", "T", "TRUE", "true", "True"]) {
    assert.equal(load([`--force-new-cluster=${t}`]).forceNewCluster, true, t);
    assert.equal(load([`-snapshot=${t}`]).snapshot, true, t);
  }
  for (const f of ["0", "f", "F", "FALSE", "false", "False"]) {
    assert.equal(load([`--force-new-cluster=${f}`]).forceNewCluster, false, f);
    assert.equal(load([`-snapshot=${f}`]).snapshot, false, f);
  }
  assert.equal(load(["-f", "-f=false"]).force, false);
});

Deno.test("a bare boolean never consumes the next argument", () => {
  const c = load(["-f", "-name", "x", "--force-new-cluster", "--name=y"]);
  assert.equal(c.force, true);
  assert.equal(c.forceNewCluster, true);
  assert.equal(c.name, "y");
  assertConfigError(
    ["--force-new-cluster", "false"],
    'unexpected argument "false" (a boolean flag takes its value after "=", as in --force-new-cluster=false)',
  );
});

Deno.test("a value flag takes the next argument even when it starts with a dash", () => {
  assert.equal(load(["-name", "-odd-name-"]).name, "-odd-name-");
  assert.equal(load(["--data-dir", "--"]).dataDir, "--");
});

Deno.test("values keep everything after the first =", () => {
  assert.equal(load(["--name=a=b"]).name, "a=b");
  assert.equal(
    load(["--initial-cluster-token=x=y=z"]).initialClusterToken,
    "x=y=z",
  );
});

Deno.test("the last occurrence of a flag wins, across its aliases too", () => {
  assert.equal(load("--name a -name b").name, "b");
  assert.equal(
    load("--heartbeat-interval=10 -peer-heartbeat-timeout=20")
      .heartbeatIntervalMs,
    20,
  );
  assert.equal(
    load("-peer-heartbeat-timeout=20 --heartbeat-interval=10")
      .heartbeatIntervalMs,
    10,
  );
  assert.equal(
    load("-addr 127.0.0.1:1 -c 127.0.0.1:2").advertiseClientUrls[0],
    "http://127.0.0.1:2",
  );
});

Deno.test("-- ends the flags; nothing may follow it", () => {
  assert.equal(load(["--name=x", "--"]).name, "x");
  assertConfigError(
    ["--name=x", "--", "--name=y"],
    'unexpected argument "--name=y" (etcd takes no positional arguments; flags look like --name=value)',
  );
});

Deno.test("positional arguments are refused", () => {
  assertConfigError(
    ["--name", "x", "extra"],
    'unexpected argument "extra" (etcd takes no positional arguments; flags look like --name=value)',
  );
  assertConfigError(
    ["-"],
    'unexpected argument "-" (etcd takes no positional arguments; flags look like --name=value)',
  );
});

Deno.test("flag syntax errors", () => {
  assertConfigError(
    ["--nmae=x"],
    "unknown flag --nmae: run etcd --help to list the accepted flags",
  );
  assertConfigError(
    ["-listen-client-url", "x"],
    "unknown flag -listen-client-url: run etcd --help to list the accepted flags",
  );
  assertConfigError(
    ["-Name=x"],
    "unknown flag -Name: run etcd --help to list the accepted flags",
  );
  assertConfigError(
    ["---name=x"],
    'bad flag syntax "---name=x": write flags as -name, --name, -name=value or --name=value',
  );
  assertConfigError(
    ["-=x"],
    'bad flag syntax "-=x": write flags as -name, --name, -name=value or --name=value',
  );
  assertConfigError(
    ["--name"],
    "flag --name needs a value: use --name=<value> or --name <value>",
  );
  assertConfigError(
    ["-data-dir"],
    "flag -data-dir needs a value: use -data-dir=<value> or -data-dir <value>",
  );
  assertConfigError(
    ["-f=yes"],
    'invalid value "yes" for flag -f: not a boolean (use true or false)',
  );
  assertConfigError(
    ["--force-new-cluster="],
    'invalid value "" for flag --force-new-cluster: not a boolean (use true or false)',
  );
});

Deno.test("number flags", () => {
  assertConfigError(
    ["-snapshot-count", "abc"],
    'invalid value "abc" for flag -snapshot-count: not an integer',
  );
  assertConfigError(
    ["--snapshot-count=1.5"],
    'invalid value "1.5" for flag --snapshot-count: not an integer',
  );
  assertConfigError(
    ["--snapshot-count", "-5"],
    'invalid value "-5" for flag --snapshot-count: must not be negative',
  );
  assertConfigError(
    ["--snapshot-count="],
    'invalid value "" for flag --snapshot-count: not an integer',
  );
  assertConfigError(
    ["--max-request-bytes=99999999999999999999"],
    'invalid value "99999999999999999999" for flag --max-request-bytes: too large',
  );
  assertConfigError(
    ["-max-cluster-size=many"],
    'invalid value "many" for flag -max-cluster-size: not an integer',
  );
  assertConfigError(
    ["-retry-interval=soon"],
    'invalid value "soon" for flag -retry-interval: not a number',
  );
  assertConfigError(
    ["-retry-interval=-1"],
    'invalid value "-1" for flag -retry-interval: must not be negative',
  );
  assert.equal(load("--snapshot-count +42").snapshotCount, 42);
});

Deno.test("every flag name maps to exactly one option", () => {
  for (const spec of OPTIONS) {
    for (const f of [...spec.flags, ...(spec.deprecated ?? [])]) {
      assert.equal(BY_FLAG.get(f), spec, f);
    }
  }
});

Deno.test("--help and --version skip the environment, the file and validation", () => {
  const broken = { ETCD_SNAPSHOT_COUNT: "abc" };
  const h = load([
    "-h",
    "--initial-cluster-state=bogus",
    "--config-file=missing.toml",
  ], broken);
  assert.equal(h.showHelp, true);
  assert.equal(h.name, "default");
  const v = load(["--version", "--name=x"], broken);
  assert.deepEqual([v.showVersion, v.showHelp, v.name], [
    true,
    false,
    "default",
  ]);
  assert.equal(load(["-help=false"]).showHelp, false);
  // Syntax errors still count.
  assertConfigError(
    ["--help", "--bogus"],
    "unknown flag --bogus: run etcd --help to list the accepted flags",
  );
});
