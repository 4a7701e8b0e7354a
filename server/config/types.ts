// The validated configuration of one etcd member, whatever mix of etcd 0.2
// flags, etcd 2.x flags, ETCD_* variables and TOML file produced it.

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
  // True when peers/clients must present a certificate signed by
  // trustedCaFile. etcd 0.2's -ca-file implies it.
  clientCertAuth: boolean;
  // --trusted-ca-file, or else the 0.2 -ca-file, so users of the config only
  // need to look here.
  trustedCaFile: string;
}

export interface Config {
  name: string; // default "default"
  dataDir: string; // default `${name}.etcd`
  // Where to bind client listeners. default http://localhost:2379 and
  // http://localhost:4001 (https when a client cert and key are given).
  // Note: URL.port is "" for a scheme's default port; use urlPort() from
  // urls.ts to read the port.
  listenClientUrls: URL[];
  // "scheme://host:port", no trailing slash.
  advertiseClientUrls: string[];
  listenPeerUrls: URL[]; // default http://localhost:2380 and http://localhost:7001
  initialAdvertisePeerUrls: string[];
  // Same name repeated in --initial-cluster gives several URLs for that
  // member. Default: this member with its initialAdvertisePeerUrls.
  initialCluster: { name: string; peerUrls: string[] }[];
  initialClusterState: "new" | "existing";
  initialClusterToken: string; // default "etcd-cluster"
  // etcd 0.2 -peers and the contents of -peers-file, merged and normalised
  // to URLs ("127.0.0.1:7001" becomes "http://127.0.0.1:7001", https when
  // a peer cert and key are given).
  peers: string[];
  heartbeatIntervalMs: number; // default 100
  electionTimeoutMs: number; // default 1000
  snapshotCount: number; // default 10000
  snapshot: boolean; // etcd 0.2 -snapshot; default true
  forceNewCluster: boolean;
  force: boolean; // etcd 0.2 -f: discard existing member configuration
  cors: string[];
  clientTls: TlsFiles;
  peerTls: TlsFiles;
  discovery: string;
  maxRequestBytes: number; // default 10 MiB
  logLevel: "debug" | "info" | "warn" | "error";
  enableV2: boolean; // always true: v2 is the only API we serve
  showVersion: boolean;
  showHelp: boolean;
}
