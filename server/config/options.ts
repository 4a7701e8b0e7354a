// The table of every setting the server understands: its flag names in both
// etcd generations, its ETCD_* variables and its TOML keys. Everything else
// in this package (flag parser, environment and file readers, usage text)
// is driven by this table, so a setting added here is accepted everywhere.

export type Kind = "string" | "bool" | "uint" | "float" | "list";

export interface OptionSpec {
  id: string;
  kind: Kind;
  // Flag names without dashes. Go's flag package treats -x and --x alike,
  // so each name works with one or two dashes.
  flags: string[];
  // Old etcd 0.1 spellings still accepted by etcd 0.2; not advertised.
  deprecated?: string[];
  // ETCD_* names beyond those derived from the flags (etcd 0.2 spellings).
  extraEnv?: string[];
  // TOML keys beyond those derived from the flags ("peer.x" is [peer] x).
  extraToml?: string[];
  // Settings that have no environment or file form (help, version, ...).
  flagsOnly?: boolean;
  // Settings whose environment variables are spelled out in full.
  envOnly?: string[];
  group: Group;
  arg?: string; // placeholder for the value in --help
  help: string;
  defaultText?: string;
}

export type Group =
  | "member"
  | "cluster2"
  | "cluster02"
  | "security"
  | "logging"
  | "compat"
  | "other";

export const GROUP_TITLES: Record<Group, string> = {
  member: "Member options",
  cluster2: "Clustering options (etcd 2.x)",
  cluster02: "Clustering options (etcd 0.2)",
  security: "Security options",
  logging: "Logging options",
  compat: "Accepted for etcd 0.2 compatibility (no effect)",
  other: "Other options",
};

// Flag names of etcd 2.x; --help shows them with two dashes and the etcd
// 0.2 ones with one. Either spelling works for every flag.
export const ETCD2_FLAGS: ReadonlySet<string> = new Set([
  "name",
  "data-dir",
  "listen-client-urls",
  "advertise-client-urls",
  "listen-peer-urls",
  "initial-advertise-peer-urls",
  "initial-cluster",
  "initial-cluster-state",
  "initial-cluster-token",
  "heartbeat-interval",
  "election-timeout",
  "snapshot-count",
  "force-new-cluster",
  "enable-v2",
  "cors",
  "cert-file",
  "key-file",
  "client-cert-auth",
  "trusted-ca-file",
  "peer-cert-file",
  "peer-key-file",
  "peer-client-cert-auth",
  "peer-trusted-ca-file",
  "config-file",
  "discovery",
  "log-level",
  "debug",
  "max-request-bytes",
  "version",
  "help",
]);

export const OPTIONS: OptionSpec[] = [
  // Member.
  {
    id: "name",
    kind: "string",
    flags: ["name"],
    deprecated: ["n"],
    group: "member",
    arg: "name",
    help: "Human-readable name for this member.",
    defaultText: '"default"',
  },
  {
    id: "data-dir",
    kind: "string",
    flags: ["data-dir"],
    deprecated: ["d"],
    group: "member",
    arg: "path",
    help: "Path to the data directory.",
    defaultText: '"<name>.etcd"',
  },
  {
    id: "snapshot-count",
    kind: "uint",
    flags: ["snapshot-count"],
    deprecated: ["snapshotCount"],
    extraEnv: ["ETCD_SNAPSHOTCOUNT"],
    group: "member",
    arg: "number",
    help: "Number of committed transactions that trigger a snapshot to disk.",
    defaultText: "10000",
  },
  {
    id: "snapshot",
    kind: "bool",
    flags: ["snapshot"],
    group: "member",
    help: "Take log snapshots (-snapshot=false is accepted).",
    defaultText: "true",
  },
  {
    id: "heartbeat-interval",
    kind: "uint",
    flags: [
      "heartbeat-interval",
      "peer-heartbeat-timeout",
      "peer-heartbeat-interval",
    ],
    extraToml: ["peer.heartbeat_timeout", "peer.heartbeat_interval"],
    group: "member",
    arg: "ms",
    help: "Time (in milliseconds) of a heartbeat interval.",
    defaultText: "100",
  },
  {
    id: "election-timeout",
    kind: "uint",
    flags: ["election-timeout", "peer-election-timeout"],
    extraToml: ["peer.election_timeout"],
    group: "member",
    arg: "ms",
    help:
      "Time (in milliseconds) for an election to timeout; at least the heartbeat interval (5 times or more recommended).",
    defaultText: "1000",
  },
  {
    id: "max-request-bytes",
    kind: "uint",
    flags: ["max-request-bytes"],
    group: "member",
    arg: "bytes",
    help: "Maximum size of a client request body.",
    defaultText: "10485760",
  },
  {
    id: "cors",
    kind: "list",
    flags: ["cors"],
    group: "member",
    arg: "origins",
    help: "Comma-separated list of origins allowed for CORS ('*' allows all).",
    defaultText: "none",
  },
  {
    id: "force",
    kind: "bool",
    flags: ["f", "force"],
    group: "member",
    help:
      "Discard the existing member configuration and start afresh (WARNING: data loss).",
    defaultText: "false",
  },
  {
    id: "enable-v2",
    kind: "bool",
    flags: ["enable-v2"],
    group: "member",
    help:
      "Accept etcd V2 client requests (always on: v2 is the API this server speaks).",
    defaultText: "true",
  },
  {
    id: "config-file",
    kind: "string",
    flags: ["config-file", "config"],
    envOnly: ["ETCD_CONFIG_FILE", "ETCD_CONFIG"],
    group: "member",
    arg: "path",
    help:
      "Path to a TOML configuration file (etcd 0.2 layout; also ETCD_CONFIG_FILE, ETCD_CONFIG).",
    defaultText: "none",
  },

  // Clustering, etcd 2.x style.
  {
    id: "listen-client-urls",
    kind: "list",
    flags: ["listen-client-urls"],
    group: "cluster2",
    arg: "urls",
    help: "Comma-separated URLs to listen on for client traffic.",
    defaultText: '"http://localhost:2379,http://localhost:4001"',
  },
  {
    id: "advertise-client-urls",
    kind: "list",
    flags: ["advertise-client-urls"],
    group: "cluster2",
    arg: "urls",
    help:
      "Comma-separated client URLs of this member to advertise to the cluster.",
    defaultText:
      "the listen URLs, with an unspecified host such as 0.0.0.0 as localhost",
  },
  {
    id: "listen-peer-urls",
    kind: "list",
    flags: ["listen-peer-urls"],
    group: "cluster2",
    arg: "urls",
    help: "Comma-separated URLs to listen on for peer traffic.",
    defaultText: '"http://localhost:2380,http://localhost:7001"',
  },
  {
    id: "initial-advertise-peer-urls",
    kind: "list",
    flags: ["initial-advertise-peer-urls"],
    group: "cluster2",
    arg: "urls",
    help:
      "Comma-separated peer URLs of this member to advertise to the rest of the cluster.",
    defaultText:
      "the listen peer URLs, with an unspecified host such as 0.0.0.0 as localhost",
  },
  {
    id: "initial-cluster",
    kind: "list",
    flags: ["initial-cluster"],
    group: "cluster2",
    arg: "name=url,...",
    help:
      "Initial cluster configuration for bootstrapping, e.g. infra0=http://10.0.0.1:2380,infra1=http://10.0.0.2:2380.",
    defaultText: '"<name>=<initial advertise peer urls>"',
  },
  {
    id: "initial-cluster-state",
    kind: "string",
    flags: ["initial-cluster-state"],
    group: "cluster2",
    arg: "new|existing",
    help:
      "Initial cluster state: 'new' to bootstrap a cluster, 'existing' to join one.",
    defaultText: '"new"',
  },
  {
    id: "initial-cluster-token",
    kind: "string",
    flags: ["initial-cluster-token"],
    group: "cluster2",
    arg: "token",
    help: "Initial cluster token, mixed into member and cluster IDs.",
    defaultText: '"etcd-cluster"',
  },
  {
    id: "force-new-cluster",
    kind: "bool",
    flags: ["force-new-cluster"],
    group: "cluster2",
    help: "Force to create a new one-member cluster from this member's data.",
    defaultText: "false",
  },
  {
    id: "discovery",
    kind: "string",
    flags: ["discovery"],
    group: "cluster2",
    arg: "url",
    help: "Discovery URL used to bootstrap the cluster.",
    defaultText: "none",
  },

  // Clustering, etcd 0.2 style.
  {
    id: "addr",
    kind: "string",
    flags: ["addr"],
    deprecated: ["c"],
    group: "cluster02",
    arg: "host:port",
    help:
      "The public host:port (or URL) used for client communication; also where to listen unless -bind-addr says otherwise.",
    defaultText: "unset, so the 2.x defaults apply",
  },
  {
    id: "bind-addr",
    kind: "string",
    flags: ["bind-addr"],
    deprecated: ["cl"],
    group: "cluster02",
    arg: "host[:port]",
    help:
      "The listening host (and port) for client communication; the port defaults to that of -addr.",
    defaultText: "the host of -addr",
  },
  {
    id: "peer-addr",
    kind: "string",
    flags: ["peer-addr"],
    deprecated: ["s"],
    extraToml: ["peer.addr"],
    group: "cluster02",
    arg: "host:port",
    help:
      "The public host:port (or URL) used for peer communication; also where to listen unless -peer-bind-addr says otherwise.",
    defaultText: "unset, so the 2.x defaults apply",
  },
  {
    id: "peer-bind-addr",
    kind: "string",
    flags: ["peer-bind-addr"],
    deprecated: ["sl"],
    extraToml: ["peer.bind_addr"],
    group: "cluster02",
    arg: "host[:port]",
    help:
      "The listening host (and port) for peer communication; the port defaults to that of -peer-addr.",
    defaultText: "the host of -peer-addr",
  },
  {
    id: "peers",
    kind: "list",
    flags: ["peers"],
    deprecated: ["C"],
    group: "cluster02",
    arg: "host:port,...",
    help:
      "Comma-separated peers of an existing cluster to join; they should match the peers' -peer-addr.",
    defaultText: "none",
  },
  {
    id: "peers-file",
    kind: "string",
    flags: ["peers-file"],
    deprecated: ["CF"],
    group: "cluster02",
    arg: "path",
    help:
      "Path to a file listing peers (comma or newline separated); merged with -peers.",
    defaultText: "none",
  },

  // Security.
  {
    id: "cert-file",
    kind: "string",
    flags: ["cert-file"],
    deprecated: ["clientCert"],
    group: "security",
    arg: "path",
    help: "Path to the client server TLS cert file.",
    defaultText: "none",
  },
  {
    id: "key-file",
    kind: "string",
    flags: ["key-file"],
    deprecated: ["clientKey"],
    group: "security",
    arg: "path",
    help: "Path to the client server TLS key file.",
    defaultText: "none",
  },
  {
    id: "ca-file",
    kind: "string",
    flags: ["ca-file"],
    deprecated: ["clientCAFile"],
    group: "security",
    arg: "path",
    help:
      "Path to the client CA file; clients must then present a certificate it signed.",
    defaultText: "none",
  },
  {
    id: "client-cert-auth",
    kind: "bool",
    flags: ["client-cert-auth"],
    group: "security",
    help: "Require client certificates signed by --trusted-ca-file.",
    defaultText: "false",
  },
  {
    id: "trusted-ca-file",
    kind: "string",
    flags: ["trusted-ca-file"],
    group: "security",
    arg: "path",
    help: "Path to the CA that signs client certificates.",
    defaultText: "none",
  },
  {
    id: "peer-cert-file",
    kind: "string",
    flags: ["peer-cert-file"],
    deprecated: ["serverCert"],
    extraToml: ["peer.cert_file"],
    group: "security",
    arg: "path",
    help: "Path to the peer server TLS cert file.",
    defaultText: "none",
  },
  {
    id: "peer-key-file",
    kind: "string",
    flags: ["peer-key-file"],
    deprecated: ["serverKey"],
    extraToml: ["peer.key_file"],
    group: "security",
    arg: "path",
    help: "Path to the peer server TLS key file.",
    defaultText: "none",
  },
  {
    id: "peer-ca-file",
    kind: "string",
    flags: ["peer-ca-file"],
    deprecated: ["serverCAFile"],
    extraToml: ["peer.ca_file"],
    group: "security",
    arg: "path",
    help:
      "Path to the peer CA file; peers must then present a certificate it signed.",
    defaultText: "none",
  },
  {
    id: "peer-client-cert-auth",
    kind: "bool",
    flags: ["peer-client-cert-auth"],
    group: "security",
    help: "Require peer certificates signed by --peer-trusted-ca-file.",
    defaultText: "false",
  },
  {
    id: "peer-trusted-ca-file",
    kind: "string",
    flags: ["peer-trusted-ca-file"],
    group: "security",
    arg: "path",
    help: "Path to the CA that signs peer certificates.",
    defaultText: "none",
  },

  // Logging.
  {
    id: "log-level",
    kind: "string",
    flags: ["log-level"],
    group: "logging",
    arg: "level",
    help: "Log level: debug, info, warn or error.",
    defaultText: '"info"',
  },
  {
    id: "verbose",
    kind: "bool",
    flags: ["v"],
    envOnly: ["ETCD_VERBOSE"],
    extraToml: ["verbose"],
    group: "logging",
    help: "Verbose logging (log level debug).",
    defaultText: "false",
  },
  {
    id: "very-verbose",
    kind: "bool",
    flags: ["vv"],
    envOnly: ["ETCD_VERY_VERBOSE"],
    extraToml: ["very_verbose"],
    group: "logging",
    help: "Very verbose logging (log level debug).",
    defaultText: "false",
  },
  {
    id: "debug",
    kind: "bool",
    flags: ["debug"],
    group: "logging",
    help: "Same as --log-level=debug.",
    defaultText: "false",
  },

  // etcd 0.2 settings we accept and check but do not use.
  {
    id: "max-cluster-size",
    kind: "uint",
    flags: ["max-cluster-size"],
    deprecated: ["maxsize"],
    group: "compat",
    arg: "number",
    help: "Maximum number of members in the cluster.",
    defaultText: "9",
  },
  {
    id: "max-result-buffer",
    kind: "uint",
    flags: ["max-result-buffer"],
    deprecated: ["m"],
    group: "compat",
    arg: "number",
    help: "Maximum size of the result buffer.",
    defaultText: "1024",
  },
  {
    id: "max-retry-attempts",
    kind: "uint",
    flags: ["max-retry-attempts"],
    deprecated: ["r"],
    group: "compat",
    arg: "number",
    help: "Number of times a member will try to join a cluster.",
    defaultText: "3",
  },
  {
    id: "retry-interval",
    kind: "float",
    flags: ["retry-interval"],
    group: "compat",
    arg: "seconds",
    help: "Seconds to wait between cluster join retry attempts.",
    defaultText: "10",
  },
  {
    id: "cpuprofile",
    kind: "string",
    flags: ["cpuprofile"],
    group: "compat",
    arg: "path",
    help: "Write a CPU profile to this file.",
    defaultText: "none",
  },

  // Other.
  {
    id: "version",
    kind: "bool",
    flags: ["version"],
    flagsOnly: true,
    group: "other",
    help: "Print the version and exit.",
  },
  {
    id: "help",
    kind: "bool",
    flags: ["h", "help"],
    flagsOnly: true,
    group: "other",
    help: "Print this help and exit.",
  },
];

// snake_case form of a flag name, as used for TOML keys.
function snake(flag: string): string {
  return flag.replace(/-/g, "_");
}

// Flag names long enough to be meaningful as ETCD_* names and TOML keys
// (skips -f, -h, -v and the like).
function derivable(spec: OptionSpec): string[] {
  return spec.flags.filter((f) => f.length > 2);
}

export function envNames(spec: OptionSpec): string[] {
  if (spec.flagsOnly) return [];
  if (spec.envOnly) return spec.envOnly;
  const derived = derivable(spec).map((f) => "ETCD_" + snake(f).toUpperCase());
  return [...derived, ...(spec.extraEnv ?? [])];
}

export function tomlKeys(spec: OptionSpec): string[] {
  if (spec.flagsOnly || spec.id === "config-file") return [];
  const derived = spec.envOnly ? [] : derivable(spec).map(snake);
  return [...derived, ...(spec.extraToml ?? [])];
}

function indexBy(pairs: [string, OptionSpec][]): Map<string, OptionSpec> {
  const map = new Map<string, OptionSpec>();
  for (const [key, spec] of pairs) {
    if (map.has(key)) {
      throw new Error(`config option table: duplicate name ${key}`);
    }
    map.set(key, spec);
  }
  return map;
}

export const BY_FLAG: Map<string, OptionSpec> = indexBy(
  OPTIONS.flatMap((s) =>
    [...s.flags, ...(s.deprecated ?? [])].map((
      f,
    ): [string, OptionSpec] => [f, s])
  ),
);

export const BY_ENV: Map<string, OptionSpec> = indexBy(
  OPTIONS.flatMap((s) => envNames(s).map((e): [string, OptionSpec] => [e, s])),
);

export const BY_TOML: Map<string, OptionSpec> = indexBy(
  OPTIONS.flatMap((s) => tomlKeys(s).map((k): [string, OptionSpec] => [k, s])),
);

export const BY_ID: Map<string, OptionSpec> = indexBy(
  OPTIONS.map((s) => [s.id, s]),
);
