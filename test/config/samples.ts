// One sample value per setting and what it must do to the Config. The flag,
// environment and file tests all run over this table, so every spelling of
// every setting is exercised from every source.

import type { Config } from "../../server/config/load.ts";
import type { Files } from "./helpers.ts";

export interface Sample {
  text: string; // the value as a flag or environment variable gives it
  toml?: string; // the value as a TOML literal, when not derivable
  check: (c: Config) => unknown;
  want: unknown;
  companions?: string[]; // other flags the setting needs (a cert needs a key)
  files?: Files;
}

const hrefs = (urls: URL[]) => urls.map((u) => u.href);

export const FILES: Files = {
  "etc.toml": 'name = "from-file"\n',
  "peers.txt": "127.0.0.1:7005\n127.0.0.1:7006, 127.0.0.1:7007\n",
};

export const SAMPLES: Record<string, Sample> = {
  "name": {
    text: "infra0",
    check: (c) => [c.name, c.dataDir],
    want: ["infra0", "infra0.etcd"],
  },
  "data-dir": {
    text: "/var/lib/etcd",
    check: (c) => c.dataDir,
    want: "/var/lib/etcd",
  },
  "snapshot-count": { text: "123", check: (c) => c.snapshotCount, want: 123 },
  "snapshot": { text: "false", check: (c) => c.snapshot, want: false },
  "heartbeat-interval": {
    text: "50",
    check: (c) => c.heartbeatIntervalMs,
    want: 50,
  },
  "election-timeout": {
    text: "2500",
    check: (c) => c.electionTimeoutMs,
    want: 2500,
  },
  "max-request-bytes": {
    text: "2048",
    check: (c) => c.maxRequestBytes,
    want: 2048,
  },
  "cors": {
    text: "http://a.example, http://b.example",
    check: (c) => c.cors,
    want: ["http://a.example", "http://b.example"],
  },
  "force": { text: "true", check: (c) => c.force, want: true },
  "enable-v2": { text: "false", check: (c) => c.enableV2, want: true }, // always on
  "config-file": {
    text: "etc.toml",
    check: (c) => c.name,
    want: "from-file",
    files: FILES,
  },
  "listen-client-urls": {
    text: "http://127.0.0.1:5000,https://10.0.0.1:5001",
    companions: ["--cert-file=c.pem", "--key-file=k.pem"],
    check: (c) => [hrefs(c.listenClientUrls), c.advertiseClientUrls],
    want: [["http://127.0.0.1:5000/", "https://10.0.0.1:5001/"], [
      "http://127.0.0.1:5000",
      "https://10.0.0.1:5001",
    ]],
  },
  "advertise-client-urls": {
    text: "http://10.0.0.1:2379",
    check: (c) => [hrefs(c.listenClientUrls), c.advertiseClientUrls],
    want: [["http://localhost:2379/", "http://localhost:4001/"], [
      "http://10.0.0.1:2379",
    ]],
  },
  "listen-peer-urls": {
    text: "http://0.0.0.0:2390",
    check: (c) => [hrefs(c.listenPeerUrls), c.initialAdvertisePeerUrls],
    want: [["http://0.0.0.0:2390/"], ["http://localhost:2390"]],
  },
  "initial-advertise-peer-urls": {
    text: "http://10.0.0.1:2380",
    check: (c) => [c.initialAdvertisePeerUrls, c.initialCluster],
    want: [["http://10.0.0.1:2380"], [{
      name: "default",
      peerUrls: ["http://10.0.0.1:2380"],
    }]],
  },
  "initial-cluster": {
    text: "default=http://a:2380,other=http://b:2380,default=http://c:2380",
    check: (c) => c.initialCluster,
    want: [
      { name: "default", peerUrls: ["http://a:2380", "http://c:2380"] },
      { name: "other", peerUrls: ["http://b:2380"] },
    ],
  },
  "initial-cluster-state": {
    text: "existing",
    check: (c) => c.initialClusterState,
    want: "existing",
  },
  "initial-cluster-token": {
    text: "tok-1",
    check: (c) => c.initialClusterToken,
    want: "tok-1",
  },
  "force-new-cluster": {
    text: "true",
    check: (c) => c.forceNewCluster,
    want: true,
  },
  "discovery": {
    text: "https://discovery.etcd.io/abc",
    check: (c) => c.discovery,
    want: "https://discovery.etcd.io/abc",
  },
  "addr": {
    text: "127.0.0.1:4002",
    check: (
      c,
    ) => [
      hrefs(c.listenClientUrls),
      c.advertiseClientUrls,
      hrefs(c.listenPeerUrls),
    ],
    want: [["http://127.0.0.1:4002/"], ["http://127.0.0.1:4002"], [
      "http://localhost:2380/",
      "http://localhost:7001/",
    ]],
  },
  "bind-addr": {
    text: "0.0.0.0",
    check: (c) => [hrefs(c.listenClientUrls), c.advertiseClientUrls],
    want: [["http://0.0.0.0:4001/"], ["http://localhost:4001"]],
  },
  "peer-addr": {
    text: "127.0.0.1:7002",
    check: (
      c,
    ) => [
      hrefs(c.listenPeerUrls),
      c.initialAdvertisePeerUrls,
      c.initialCluster,
    ],
    want: [["http://127.0.0.1:7002/"], ["http://127.0.0.1:7002"], [{
      name: "default",
      peerUrls: ["http://127.0.0.1:7002"],
    }]],
  },
  "peer-bind-addr": {
    text: "0.0.0.0:7100",
    check: (c) => [hrefs(c.listenPeerUrls), c.initialAdvertisePeerUrls],
    want: [["http://0.0.0.0:7100/"], ["http://localhost:7100"]],
  },
  "peers": {
    text: "127.0.0.1:7001,http://127.0.0.1:7003",
    check: (c) => c.peers,
    want: ["http://127.0.0.1:7001", "http://127.0.0.1:7003"],
  },
  "peers-file": {
    text: "peers.txt",
    files: FILES,
    check: (c) => c.peers,
    want: [
      "http://127.0.0.1:7005",
      "http://127.0.0.1:7006",
      "http://127.0.0.1:7007",
    ],
  },
  "cert-file": {
    text: "server.crt",
    companions: ["--key-file=server.key"],
    check: (
      c,
    ) => [c.clientTls.certFile, c.clientTls.keyFile, c.advertiseClientUrls],
    want: ["server.crt", "server.key", [
      "https://localhost:2379",
      "https://localhost:4001",
    ]],
  },
  "key-file": {
    text: "server.key",
    companions: ["--cert-file=server.crt"],
    check: (c) => [c.clientTls.keyFile, hrefs(c.listenClientUrls)],
    want: ["server.key", [
      "https://localhost:2379/",
      "https://localhost:4001/",
    ]],
  },
  "ca-file": {
    text: "ca.crt",
    check: (c) => c.clientTls,
    want: {
      certFile: "",
      keyFile: "",
      caFile: "ca.crt",
      clientCertAuth: true,
      trustedCaFile: "ca.crt",
    },
  },
  "client-cert-auth": {
    text: "true",
    check: (c) => c.clientTls.clientCertAuth,
    want: true,
  },
  "trusted-ca-file": {
    text: "tca.crt",
    check: (c) => [c.clientTls.trustedCaFile, c.clientTls.clientCertAuth],
    want: ["tca.crt", false],
  },
  "peer-cert-file": {
    text: "peer.crt",
    companions: ["--peer-key-file=peer.key"],
    check: (c) => [c.peerTls.certFile, c.initialAdvertisePeerUrls],
    want: ["peer.crt", ["https://localhost:2380", "https://localhost:7001"]],
  },
  "peer-key-file": {
    text: "peer.key",
    companions: ["--peer-cert-file=peer.crt"],
    check: (c) => [c.peerTls.keyFile, hrefs(c.listenPeerUrls)],
    want: ["peer.key", ["https://localhost:2380/", "https://localhost:7001/"]],
  },
  "peer-ca-file": {
    text: "pca.crt",
    check: (c) => c.peerTls,
    want: {
      certFile: "",
      keyFile: "",
      caFile: "pca.crt",
      clientCertAuth: true,
      trustedCaFile: "pca.crt",
    },
  },
  "peer-client-cert-auth": {
    text: "true",
    check: (c) => c.peerTls.clientCertAuth,
    want: true,
  },
  "peer-trusted-ca-file": {
    text: "ptca.crt",
    check: (c) => c.peerTls.trustedCaFile,
    want: "ptca.crt",
  },
  "log-level": { text: "warn", check: (c) => c.logLevel, want: "warn" },
  "verbose": { text: "true", check: (c) => c.logLevel, want: "debug" },
  "very-verbose": { text: "true", check: (c) => c.logLevel, want: "debug" },
  "debug": { text: "true", check: (c) => c.logLevel, want: "debug" },
  // Accepted and type-checked, with no effect on the Config.
  "max-cluster-size": { text: "5", check: (c) => c.name, want: "default" },
  "max-result-buffer": { text: "2048", check: (c) => c.name, want: "default" },
  "max-retry-attempts": { text: "7", check: (c) => c.name, want: "default" },
  "retry-interval": { text: "2.5", check: (c) => c.name, want: "default" },
  "cpuprofile": { text: "cpu.prof", check: (c) => c.name, want: "default" },
  "version": {
    text: "true",
    check: (c) => [c.showVersion, c.showHelp],
    want: [true, false],
  },
  "help": {
    text: "true",
    check: (c) => [c.showHelp, c.showVersion],
    want: [true, false],
  },
};
