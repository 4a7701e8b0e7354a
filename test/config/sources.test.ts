// ETCD_* environment variables, the TOML file, and their precedence:
// flags > environment > file > defaults.

import assert from "node:assert/strict";
import { envNames, OPTIONS, tomlKeys } from "../../server/config/options.ts";
import { splitList } from "../../server/config/values.ts";
import { assertConfigError, hrefs, load } from "./helpers.ts";
import { SAMPLES } from "./samples.ts";

function tomlLiteral(kind: string, text: string): string {
  switch (kind) {
    case "string":
      return JSON.stringify(text);
    case "list":
      return JSON.stringify(splitList(text));
    default:
      return text; // numbers and booleans
  }
}

// A TOML document setting one key, which may be "peer.x".
function tomlDoc(key: string, literal: string): string {
  const dot = key.indexOf(".");
  return dot < 0
    ? `${key} = ${literal}\n`
    : `[${key.slice(0, dot)}]\n${key.slice(dot + 1)} = ${literal}\n`;
}

Deno.test("every setting can be given by each of its ETCD_* variables", () => {
  let checked = 0;
  for (const spec of OPTIONS) {
    const sample = SAMPLES[spec.id];
    for (const name of envNames(spec)) {
      const config = load(
        sample.companions ?? [],
        { [name]: sample.text },
        sample.files,
      );
      assert.deepEqual(sample.check(config), sample.want, name);
      checked++;
    }
  }
  assert.ok(checked > 45, `only ${checked} cases ran`);
});

Deno.test("the etcd 0.2 and 2.x variable names documented by each generation", () => {
  const env = {
    ETCD_PEER_HEARTBEAT_TIMEOUT: "100",
    ETCD_PEER_ELECTION_TIMEOUT: "500",
    ETCD_SNAPSHOTCOUNT: "77",
    ETCD_ADDR: "127.0.0.1:4002",
    ETCD_PEER_ADDR: "127.0.0.1:7002",
    ETCD_VERBOSE: "true",
  };
  const c = load([], env);
  assert.deepEqual(
    [
      c.heartbeatIntervalMs,
      c.electionTimeoutMs,
      c.snapshotCount,
      c.advertiseClientUrls,
      c.initialAdvertisePeerUrls,
    ],
    [100, 500, 77, ["http://127.0.0.1:4002"], ["http://127.0.0.1:7002"]],
  );
  assert.equal(c.logLevel, "debug");
  const d = load([], {
    ETCD_NAME: "node-b",
    ETCD_INITIAL_CLUSTER:
      "node-a=http://10.10.10.11:2380,node-b=http://10.10.10.12:2380",
    ETCD_INITIAL_CLUSTER_STATE: "existing",
  });
  assert.deepEqual([d.name, d.initialClusterState, d.initialCluster.length], [
    "node-b",
    "existing",
    2,
  ]);
});

Deno.test("empty, unknown and ETCD_VERSION variables are ignored", () => {
  const c = load([], {
    ETCD_NAME: "",
    ETCD_DATA_DIR: "   ",
    ETCD_SNAPSHOT_COUNT: "",
    ETCD_BOGUS: "1",
    ETCD_VERSION: "3.4.0",
  });
  assert.deepEqual([c.name, c.dataDir, c.snapshotCount, c.showVersion], [
    "default",
    "default.etcd",
    10000,
    false,
  ]);
  assert.equal(load([], { ETCD_HELP: "true" }).showHelp, false);
  assert.equal(load([], { ETCD_NAME: undefined }).name, "default");
});

Deno.test("environment values: numbers and booleans are trimmed and checked", () => {
  assert.equal(load([], { ETCD_SNAPSHOT_COUNT: " 42 " }).snapshotCount, 42);
  assert.equal(
    load([], { ETCD_FORCE_NEW_CLUSTER: " true" }).forceNewCluster,
    true,
  );
  assert.equal(load([], { ETCD_SNAPSHOT: "0" }).snapshot, false);
  assertConfigError(
    [],
    'invalid value "abc" for environment variable ETCD_SNAPSHOT_COUNT: not an integer',
    {
      ETCD_SNAPSHOT_COUNT: "abc",
    },
  );
  assertConfigError(
    [],
    'invalid value "yes" for environment variable ETCD_FORCE: not a boolean (use true or false)',
    {
      ETCD_FORCE: "yes",
    },
  );
});

Deno.test("when two spellings of one variable are set, the etcd 2.x one wins", () => {
  assert.equal(
    load([], { ETCD_SNAPSHOTCOUNT: "1", ETCD_SNAPSHOT_COUNT: "2" })
      .snapshotCount,
    2,
  );
  assert.equal(
    load([], {
      ETCD_PEER_HEARTBEAT_TIMEOUT: "10",
      ETCD_HEARTBEAT_INTERVAL: "20",
    }).heartbeatIntervalMs,
    20,
  );
});

Deno.test("every setting can be given by each of its TOML keys", () => {
  let checked = 0;
  for (const spec of OPTIONS) {
    const sample = SAMPLES[spec.id];
    for (const key of tomlKeys(spec)) {
      const literal = sample.toml ?? tomlLiteral(spec.kind, sample.text);
      const files = { ...sample.files, "etcd.conf": tomlDoc(key, literal) };
      const config = load(
        ["-config", "etcd.conf", ...(sample.companions ?? [])],
        {},
        files,
      );
      assert.deepEqual(
        sample.check(config),
        sample.want,
        `${key} = ${literal}`,
      );
      // Dashes work in place of underscores.
      const dashed = {
        ...files,
        "etcd.conf": tomlDoc(key.replace(/_/g, "-"), literal),
      };
      assert.deepEqual(
        sample.check(
          load(["-config=etcd.conf", ...(sample.companions ?? [])], {}, dashed),
        ),
        sample.want,
      );
      checked++;
    }
  }
  assert.ok(checked > 50, `only ${checked} cases ran`);
});

const ETCD02_FILE = `
name = "machine1"
data_dir = "/var/lib/etcd/machine1"
addr = "127.0.0.1:4001"
bind_addr = "0.0.0.0"
peers = ["127.0.0.1:7002", "127.0.0.1:7003"]
snapshot = true
snapshot_count = 5000
cors = ["http://localhost:8000"]
verbose = false
discovery = ""
max_cluster_size = 9
max_result_buffer = 1024
max_retry_attempts = 3

[peer]
addr = "127.0.0.1:7001"
bind_addr = "0.0.0.0"
heartbeat_timeout = 50
election_timeout = 250
`;

Deno.test("an etcd 0.2 configuration file", () => {
  const c = load(["--config-file", "etcd.conf"], {}, {
    "etcd.conf": ETCD02_FILE,
  });
  assert.equal(c.name, "machine1");
  assert.equal(c.dataDir, "/var/lib/etcd/machine1");
  assert.deepEqual(hrefs(c.listenClientUrls), ["http://0.0.0.0:4001/"]);
  assert.deepEqual(c.advertiseClientUrls, ["http://127.0.0.1:4001"]);
  assert.deepEqual(hrefs(c.listenPeerUrls), ["http://0.0.0.0:7001/"]);
  assert.deepEqual(c.initialAdvertisePeerUrls, ["http://127.0.0.1:7001"]);
  assert.deepEqual(c.peers, ["http://127.0.0.1:7002", "http://127.0.0.1:7003"]);
  assert.deepEqual([c.snapshot, c.snapshotCount, c.cors], [true, 5000, [
    "http://localhost:8000",
  ]]);
  assert.deepEqual([c.heartbeatIntervalMs, c.electionTimeoutMs], [50, 250]);
  assert.equal(c.logLevel, "info");
});

Deno.test("etcd 2.x settings as top-level keys, lists as strings or arrays", () => {
  const file = `
listen_client_urls = "http://0.0.0.0:2379"
advertise-client-urls = ["http://10.0.0.1:2379"]
initial_cluster = "a=http://10.0.0.1:2380,b=http://10.0.0.2:2380"
initial_advertise_peer_urls = "http://10.0.0.1:2380"
name = "a"
heartbeat_interval = 200
election_timeout = 2000
log_level = "error"
`;
  const c = load(["--config-file=f.toml"], {}, { "f.toml": file });
  assert.deepEqual(hrefs(c.listenClientUrls), ["http://0.0.0.0:2379/"]);
  assert.deepEqual(c.advertiseClientUrls, ["http://10.0.0.1:2379"]);
  assert.deepEqual(c.initialCluster.map((m) => m.name), ["a", "b"]);
  assert.deepEqual([c.heartbeatIntervalMs, c.electionTimeoutMs, c.logLevel], [
    200,
    2000,
    "error",
  ]);
});

Deno.test("the config file can be named by ETCD_CONFIG_FILE or ETCD_CONFIG; a flag beats both", () => {
  const files = {
    "a.toml": 'name = "a"',
    "b.toml": 'name = "b"',
    "c.toml": 'name = "c"',
  };
  assert.equal(load([], { ETCD_CONFIG: "a.toml" }, files).name, "a");
  assert.equal(load([], { ETCD_CONFIG_FILE: "b.toml" }, files).name, "b");
  assert.equal(
    load([], { ETCD_CONFIG_FILE: "b.toml", ETCD_CONFIG: "a.toml" }, files).name,
    "b",
  );
  assert.equal(
    load(["-config=c.toml"], { ETCD_CONFIG_FILE: "b.toml" }, files).name,
    "c",
  );
  assert.equal(load(["--config-file="], {}, files).name, "default");
});

Deno.test("config file errors", () => {
  assertConfigError(
    ["-config", "nope.toml"],
    "cannot read config file \"nope.toml\": ENOENT: no such file or directory, open 'nope.toml'; check --config-file/-config (or ETCD_CONFIG_FILE/ETCD_CONFIG)",
  );
  assertConfigError(
    ["-config", "bad.toml"],
    'config file "bad.toml" is not valid TOML at line 2, column 8: invalid value',
    {},
    { "bad.toml": 'name = "x"\nport = \n' },
  );
  assertConfigError(
    ["-config", "e.toml"],
    'unknown key "nmae" in config file "e.toml": remove it or fix its spelling (run etcd --help for the settings)',
    {},
    { "e.toml": 'nmae = "x"' },
  );
  assertConfigError(
    ["-config", "e.toml"],
    'unknown key "peer.heartbeat" in config file "e.toml": remove it or fix its spelling (run etcd --help for the settings)',
    {},
    { "e.toml": "[peer]\nheartbeat = 5" },
  );
  assertConfigError(
    ["-config", "e.toml"],
    'unknown key "cluster" in config file "e.toml": remove it or fix its spelling (run etcd --help for the settings)',
    {},
    { "e.toml": "[cluster]\nactive_size = 5" },
  );
  assertConfigError(
    ["-config", "e.toml"],
    'unknown key "config_file" in config file "e.toml": remove it or fix its spelling (run etcd --help for the settings)',
    {},
    { "e.toml": 'config_file = "other.toml"' },
  );
  assertConfigError(
    ["-config", "e.toml"],
    'invalid value "5000" for snapshot_count in config file "e.toml": expected an integer (without quotes)',
    {},
    { "e.toml": 'snapshot_count = "5000"' },
  );
  assertConfigError(
    ["-config", "e.toml"],
    'invalid value 1.5 for peer.heartbeat_timeout in config file "e.toml": not an integer',
    {},
    { "e.toml": "[peer]\nheartbeat_timeout = 1.5" },
  );
  assertConfigError(
    ["-config", "e.toml"],
    'invalid value -3 for snapshot_count in config file "e.toml": must not be negative',
    {},
    { "e.toml": "snapshot_count = -3" },
  );
  assertConfigError(
    ["-config", "e.toml"],
    'invalid value "yes" for snapshot in config file "e.toml": expected true or false (without quotes)',
    {},
    { "e.toml": 'snapshot = "yes"' },
  );
  assertConfigError(
    ["-config", "e.toml"],
    'invalid value 7 for name in config file "e.toml": expected a string in quotes',
    {},
    { "e.toml": "name = 7" },
  );
  assertConfigError(
    ["-config", "e.toml"],
    'invalid value [...] for peers in config file "e.toml": expected an array of strings such as ["a", "b"]',
    {},
    { "e.toml": "peers = [1, 2]" },
  );
});

Deno.test("precedence: flags > environment > file > defaults", () => {
  const files = {
    "f.toml":
      'name = "file"\nsnapshot_count = 1\n[peer]\nheartbeat_timeout = 30',
  };
  const env = {
    ETCD_CONFIG: "f.toml",
    ETCD_NAME: "env",
    ETCD_HEARTBEAT_INTERVAL: "40",
  };
  assert.equal(load([], {}, {}).name, "default");
  assert.equal(load([], { ETCD_CONFIG: "f.toml" }, files).name, "file");
  const c = load([], env, files);
  assert.deepEqual([c.name, c.snapshotCount, c.heartbeatIntervalMs], [
    "env",
    1,
    40,
  ]);
  const d = load(["-name", "flag", "-peer-heartbeat-timeout=50"], env, files);
  assert.deepEqual([d.name, d.snapshotCount, d.heartbeatIntervalMs], [
    "flag",
    1,
    50,
  ]);
  assert.equal(
    load([], { ETCD_CONFIG: "f.toml", ETCD_SNAPSHOTCOUNT: "2" }, files)
      .snapshotCount,
    2,
  );
});

Deno.test("precedence holds across generations: a 0.2 flag beats a 2.x file setting", () => {
  const files = {
    "f.toml":
      'listen_client_urls = "http://10.0.0.9:2379"\nadvertise_client_urls = "http://10.0.0.9:2379"',
  };
  const c = load(["-config", "f.toml", "-addr", "127.0.0.1:4002"], {}, files);
  assert.deepEqual(hrefs(c.listenClientUrls), ["http://127.0.0.1:4002/"]);
  assert.deepEqual(c.advertiseClientUrls, ["http://127.0.0.1:4002"]);
  // The other way round: the 2.x flag beats the 0.2 variable for listening,
  // and with no 2.x advertise setting the 0.2 -addr is still advertised.
  const d = load(["--listen-client-urls", "http://0.0.0.0:2379"], {
    ETCD_ADDR: "10.0.0.1:2379",
  });
  assert.deepEqual(hrefs(d.listenClientUrls), ["http://0.0.0.0:2379/"]);
  assert.deepEqual(d.advertiseClientUrls, ["http://10.0.0.1:2379"]);
  // Same source: the 2.x setting wins the tie.
  const e = load(
    "--listen-client-urls http://127.0.0.1:2379 -addr 10.0.0.1:4001 --advertise-client-urls http://a:1",
  );
  assert.deepEqual([hrefs(e.listenClientUrls), e.advertiseClientUrls], [[
    "http://127.0.0.1:2379/",
  ], ["http://a:1"]]);
});

Deno.test("log level: --log-level, -v/-vv/--debug, and their precedence", () => {
  assert.equal(load("--log-level=WARN").logLevel, "warn");
  assert.equal(load("-v --log-level=error").logLevel, "debug");
  assert.equal(
    load("--log-level=error", { ETCD_VERBOSE: "1" }).logLevel,
    "error",
  );
  assert.equal(load("-vv", { ETCD_LOG_LEVEL: "error" }).logLevel, "debug");
  assert.equal(load("-v=false").logLevel, "info");
  assertConfigError(
    "--log-level=trace",
    'invalid value "trace" for flag --log-level: use one of debug, info, warn, error',
  );
});
