// Each validation error, with its exact one-line message.

import { assertConfigError, type Env, type Files } from "./helpers.ts";

type ErrorCase = [
  args: string | string[],
  message: string,
  env?: Env,
  files?: Files,
];

function check(cases: ErrorCase[]): void {
  for (const [args, message, env, files] of cases) {
    assertConfigError(args, message, env, files);
  }
}

Deno.test("errors: the member name", () => {
  check([
    [
      ["--name="],
      "flag --name is empty: give this member a name, e.g. --name=infra0",
    ],
    [
      ["-name", "  "],
      "flag -name is empty: give this member a name, e.g. --name=infra0",
    ],
  ]);
});

Deno.test("errors: certificates without keys, https without certificates", () => {
  check([
    [
      "--cert-file=c.pem",
      "flag --cert-file is set but --key-file is not: give both the cert and its key file",
    ],
    [
      "-key-file=k.pem",
      "flag -key-file is set but --cert-file is not: give both the cert and its key file",
    ],
    [
      [],
      "environment variable ETCD_PEER_CERT_FILE is set but --peer-key-file is not: give both the cert and its key file",
      { ETCD_PEER_CERT_FILE: "p.pem" },
    ],
    [
      "-config e.toml",
      'peer.key_file in config file "e.toml" is set but --peer-cert-file is not: give both the cert and its key file',
      {},
      { "e.toml": '[peer]\nkey_file = "k"' },
    ],
    [
      "--listen-client-urls https://127.0.0.1:2379",
      "flag --listen-client-urls listens on https://127.0.0.1:2379 but no TLS certificate is configured: set --cert-file and --key-file, or use http",
    ],
    [
      "--listen-peer-urls http://a:1,https://a:2 --cert-file c --key-file k",
      "flag --listen-peer-urls listens on https://a:2 but no TLS certificate is configured: set --peer-cert-file and --peer-key-file, or use http",
    ],
    [
      "-addr https://127.0.0.1:4001",
      "flag -addr listens on https://127.0.0.1:4001 but no TLS certificate is configured: set --cert-file and --key-file, or use http",
    ],
  ]);
});

Deno.test("errors: malformed URLs", () => {
  check([
    [
      "--listen-client-urls localhost:2379",
      'invalid URL "localhost:2379" for flag --listen-client-urls: write it as http://host:port or https://host:port',
    ],
    [
      "--listen-client-urls unix://sock:1",
      'invalid URL "unix://sock:1" for flag --listen-client-urls: the scheme must be http or https, not unix',
    ],
    [
      "--advertise-client-urls http://localhost",
      'invalid URL "http://localhost" for flag --advertise-client-urls: it needs a port, as in http://localhost:2379',
    ],
    [
      "--listen-peer-urls http://localhost:",
      'invalid URL "http://localhost:" for flag --listen-peer-urls: it needs a port, as in http://localhost:2379',
    ],
    [
      "--initial-advertise-peer-urls http://a:2380/x",
      'invalid URL "http://a:2380/x" for flag --initial-advertise-peer-urls: it must not contain a path; use http://a:2380',
    ],
    [
      "--listen-client-urls http://a:70000",
      'invalid port in "http://a:70000" for flag --listen-client-urls: use a number from 0 to 65535',
    ],
    [
      "--listen-client-urls http://a:1?x=1",
      'invalid URL "http://a:1?x=1" for flag --listen-client-urls: write it as http://host:port or https://host:port',
    ],
    [
      ["--listen-client-urls="],
      "flag --listen-client-urls is empty: give at least one URL such as http://localhost:2379",
    ],
    [
      [],
      "environment variable ETCD_ADVERTISE_CLIENT_URLS is empty: give at least one URL such as http://localhost:2379",
      { ETCD_ADVERTISE_CLIENT_URLS: " , " },
    ],
  ]);
});

Deno.test("errors: etcd 0.2 addresses and peers", () => {
  check([
    [
      "-addr 127.0.0.1",
      'invalid address "127.0.0.1" for flag -addr: write it as host:port, e.g. 127.0.0.1:4001, or as a URL',
    ],
    [
      "-peer-addr ftp://h:1",
      'invalid URL "ftp://h:1" for flag -peer-addr: the scheme must be http or https, not ftp',
    ],
    [
      ["-bind-addr", "a b"],
      'invalid address "a b" for flag -bind-addr: write a host or host:port, e.g. 0.0.0.0 or 0.0.0.0:4001',
    ],
    [
      "-peer-bind-addr 0.0.0.0:99999",
      'invalid port in "0.0.0.0:99999" for flag -peer-bind-addr: use a number from 0 to 65535',
    ],
    [
      "-peers 127.0.0.1:7001,127.0.0.1",
      'invalid address "127.0.0.1" for flag -peers: write it as host:port, e.g. 127.0.0.1:4001, or as a URL',
    ],
    [
      "-peers-file missing.txt",
      "cannot read the peers file \"missing.txt\" given by flag -peers-file: ENOENT: no such file or directory, open 'missing.txt'",
    ],
    [
      "-peers-file p.txt",
      'invalid address "oops" for peers file "p.txt": write it as host:port, e.g. 127.0.0.1:4001, or as a URL',
      {},
      { "p.txt": "127.0.0.1:7001\noops\n" },
    ],
  ]);
});

Deno.test("errors: --initial-cluster syntax and membership", () => {
  check([
    [
      "--initial-cluster abc",
      'invalid entry "abc" in flag --initial-cluster: write each member as name=http://host:port, e.g. infra0=http://10.0.0.1:2380',
    ],
    [
      "--initial-cluster default=http://a:2380,=http://b:2380",
      'invalid entry "=http://b:2380" in flag --initial-cluster: the member name before "=" is empty',
    ],
    [
      "--initial-cluster default=a:2380",
      'invalid URL "a:2380" for member "default" in flag --initial-cluster: write it as http://host:port or https://host:port',
    ],
    [
      "--initial-cluster default=http://a:2380,other=http://a:2380",
      'flag --initial-cluster gives peer URL http://a:2380 to both "default" and "other": each member needs its own peer URLs',
    ],
    [
      ["--initial-cluster="],
      "flag --initial-cluster is empty: list the members as name=http://host:port,name2=http://host2:port",
    ],
    [
      "--name etcd-2 --initial-cluster etcd-1=http://etcd-1:2380,etcd-3=http://etcd-3:2380",
      'this member\'s name "etcd-2" is missing from flag --initial-cluster: add etcd-2=http://localhost:2380 to it, or set --name to one of etcd-1, etcd-3',
    ],
    [
      "--initial-cluster infra0=http://10.0.0.1:2380 --initial-advertise-peer-urls http://10.0.0.2:2380",
      'this member\'s name "default" is missing from flag --initial-cluster: add default=http://10.0.0.2:2380 to it, or set --name to one of infra0',
    ],
    [
      "--initial-cluster-state old",
      'invalid value "old" for flag --initial-cluster-state: use new or existing',
    ],
    [
      [],
      'invalid value "New" for environment variable ETCD_INITIAL_CLUSTER_STATE: use new or existing',
      { ETCD_INITIAL_CLUSTER_STATE: "New" },
    ],
  ]);
});

Deno.test("errors: heartbeat and election timing (etcd 2.x rules)", () => {
  check([
    [
      "--heartbeat-interval=0",
      'invalid value "0" for flag --heartbeat-interval: must be greater than 0 (milliseconds)',
    ],
    [
      "-peer-election-timeout=0",
      'invalid value "0" for flag -peer-election-timeout: must be greater than 0 (milliseconds)',
    ],
    [
      "--heartbeat-interval=1300",
      "election timeout 1000ms (the default of --election-timeout) must be at least the heartbeat interval 1300ms (flag --heartbeat-interval); 5 times or more is recommended",
    ],
    [
      "-peer-heartbeat-timeout=250 -peer-election-timeout=200",
      "election timeout 200ms (flag -peer-election-timeout) must be at least the heartbeat interval 250ms (flag -peer-heartbeat-timeout); 5 times or more is recommended",
    ],
    [
      "--election-timeout=50001",
      "election timeout 50001ms (flag --election-timeout) is too long: it must be at most 50000ms",
    ],
  ]);
});

Deno.test("errors: other numbers and levels", () => {
  check([
    [
      "--snapshot-count=0",
      'invalid value "0" for flag --snapshot-count: must be greater than 0',
    ],
    [
      "--max-request-bytes=0",
      'invalid value "0" for flag --max-request-bytes: must be greater than 0',
    ],
    [
      [],
      'invalid value "abc" for environment variable ETCD_SNAPSHOTCOUNT: not an integer',
      { ETCD_SNAPSHOTCOUNT: "abc" },
    ],
    [
      "--log-level=verbose",
      'invalid value "verbose" for flag --log-level: use one of debug, info, warn, error',
    ],
  ]);
});
