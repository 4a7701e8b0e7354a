// Every etcd command line found in /work/shared/seeds/*.txt, copied by hand,
// with the Config it must produce.

import assert from "node:assert/strict";
import type { Config } from "../../server/config/load.ts";
import { assertConfigError, hrefs, load } from "./helpers.ts";

// The parts of a Config a seed command line decides.
function summary(c: Config) {
  return {
    name: c.name,
    dataDir: c.dataDir,
    listenClient: hrefs(c.listenClientUrls),
    advertiseClient: c.advertiseClientUrls,
    listenPeer: hrefs(c.listenPeerUrls),
    advertisePeer: c.initialAdvertisePeerUrls,
    initialCluster: c.initialCluster,
    state: c.initialClusterState,
    peers: c.peers,
  };
}

// Seeds 000, 003 and 004 (etcd 0.2 clustering docs): three machines on one
// host, told apart by their ports.
function machine(n: number, peers: string[]) {
  return {
    name: `machine${n}`,
    dataDir: `machines/machine${n}`,
    listenClient: [`http://127.0.0.1:400${n}/`],
    advertiseClient: [`http://127.0.0.1:400${n}`],
    listenPeer: [`http://127.0.0.1:700${n}/`],
    advertisePeer: [`http://127.0.0.1:700${n}`],
    initialCluster: [{
      name: `machine${n}`,
      peerUrls: [`http://127.0.0.1:700${n}`],
    }],
    state: "new",
    peers: peers.map((p) => `http://${p}`),
  };
}

Deno.test("seeds 000/003/004: etcd 0.2 three-machine cluster", () => {
  const cases: [string, ReturnType<typeof machine>][] = [
    [
      "./etcd -peer-addr 127.0.0.1:7001 -addr 127.0.0.1:4001 -data-dir machines/machine1 -name machine1",
      machine(1, []),
    ],
    [
      "./etcd -peer-addr 127.0.0.1:7002 -addr 127.0.0.1:4002 -peers 127.0.0.1:7001,127.0.0.1:7003 -data-dir machines/machine2 -name machine2",
      machine(2, ["127.0.0.1:7001", "127.0.0.1:7003"]),
    ],
    [
      "./etcd -peer-addr 127.0.0.1:7003 -addr 127.0.0.1:4003 -peers 127.0.0.1:7001,127.0.0.1:7002 -data-dir machines/machine3 -name machine3",
      machine(3, ["127.0.0.1:7001", "127.0.0.1:7002"]),
    ],
    [
      "./etcd -peer-addr 127.0.0.1:7002 -addr 127.0.0.1:4002 -peers 127.0.0.1:7001 -data-dir machines/machine2 -name machine2",
      machine(2, ["127.0.0.1:7001"]),
    ],
    [
      "./etcd -peer-addr 127.0.0.1:7003 -addr 127.0.0.1:4003 -peers 127.0.0.1:7001 -data-dir machines/machine3 -name machine3",
      machine(3, ["127.0.0.1:7001"]),
    ],
  ];
  for (const [line, want] of cases) {
    assert.deepEqual(summary(load(line)), want, line);
  }
});

Deno.test("seed 004: single machine, and TLS with and without client certificates", () => {
  const single = load("./etcd -data-dir machine0 -name machine0");
  assert.deepEqual(summary(single), {
    name: "machine0",
    dataDir: "machine0",
    listenClient: ["http://localhost:2379/", "http://localhost:4001/"],
    advertiseClient: ["http://localhost:2379", "http://localhost:4001"],
    listenPeer: ["http://localhost:2380/", "http://localhost:7001/"],
    advertisePeer: ["http://localhost:2380", "http://localhost:7001"],
    initialCluster: [{
      name: "machine0",
      peerUrls: ["http://localhost:2380", "http://localhost:7001"],
    }],
    state: "new",
    peers: [],
  });

  const tls = load(
    "./etcd -f -name machine0 -data-dir machine0 -cert-file=./fixtures/ca/server.crt -key-file=./fixtures/ca/server.key.insecure",
  );
  assert.equal(tls.force, true);
  assert.deepEqual(tls.clientTls, {
    certFile: "./fixtures/ca/server.crt",
    keyFile: "./fixtures/ca/server.key.insecure",
    caFile: "",
    clientCertAuth: false,
    trustedCaFile: "",
  });
  // The seed then talks to https://127.0.0.1:4001.
  assert.deepEqual(hrefs(tls.listenClientUrls), [
    "https://localhost:2379/",
    "https://localhost:4001/",
  ]);
  assert.deepEqual(tls.advertiseClientUrls, [
    "https://localhost:2379",
    "https://localhost:4001",
  ]);
  assert.deepEqual(tls.initialAdvertisePeerUrls, [
    "http://localhost:2380",
    "http://localhost:7001",
  ]);

  const auth = load(
    "./etcd -f -name machine0 -data-dir machine0 -ca-file=./fixtures/ca/ca.crt -cert-file=./fixtures/ca/server.crt -key-file=./fixtures/ca/server.key.insecure",
  );
  assert.equal(auth.force, true);
  assert.deepEqual(auth.clientTls, {
    certFile: "./fixtures/ca/server.crt",
    keyFile: "./fixtures/ca/server.key.insecure",
    caFile: "./fixtures/ca/ca.crt",
    clientCertAuth: true,
    trustedCaFile: "./fixtures/ca/ca.crt",
  });
  assert.deepEqual(hrefs(auth.listenClientUrls), [
    "https://localhost:2379/",
    "https://localhost:4001/",
  ]);
});

Deno.test("seed 004: tuning by flags, environment and file", () => {
  const flags = load(
    "$ etcd -peer-heartbeat-timeout=100 -peer-election-timeout=500",
  );
  assert.deepEqual([flags.heartbeatIntervalMs, flags.electionTimeoutMs], [
    100,
    500,
  ]);
  const env = load("etcd", {
    ETCD_PEER_HEARTBEAT_TIMEOUT: "100",
    ETCD_PEER_ELECTION_TIMEOUT: "500",
  });
  assert.deepEqual([env.heartbeatIntervalMs, env.electionTimeoutMs], [
    100,
    500,
  ]);
  // The README's file example sets both to 100: accepted (etcd 2.x's 5x rule
  // would refuse it; we only refuse an election shorter than a heartbeat).
  const readme = load("etcd -config etcd.conf", {}, {
    "etcd.conf": "[peer]\nheartbeat_timeout = 100\nelection_timeout = 100\n",
  });
  assert.deepEqual([readme.heartbeatIntervalMs, readme.electionTimeoutMs], [100, 100]);
  const file = load("etcd -config etcd.conf", {}, {
    "etcd.conf": "[peer]\nheartbeat_timeout = 100\nelection_timeout = 500\n",
  });
  assert.deepEqual([file.heartbeatIntervalMs, file.electionTimeoutMs], [
    100,
    500,
  ]);
});

Deno.test("seed 001: etcd 2.x members in docker, listening on 0.0.0.0", () => {
  const a = load(`/usr/local/bin/etcd \\
  --data-dir=/etcd-data --name node-a \\
  --initial-advertise-peer-urls http://10.10.10.11:2380 --listen-peer-urls http://0.0.0.0:2380 \\
  --advertise-client-urls http://10.10.10.11:2379 --listen-client-urls http://0.0.0.0:2379 \\
  --initial-cluster node-a=http://10.10.10.11:2380`);
  assert.deepEqual(summary(a), {
    name: "node-a",
    dataDir: "/etcd-data",
    listenClient: ["http://0.0.0.0:2379/"],
    advertiseClient: ["http://10.10.10.11:2379"],
    listenPeer: ["http://0.0.0.0:2380/"],
    advertisePeer: ["http://10.10.10.11:2380"],
    initialCluster: [{ name: "node-a", peerUrls: ["http://10.10.10.11:2380"] }],
    state: "new",
    peers: [],
  });
  const b = load(`/usr/local/bin/etcd \\
  --data-dir=/etcd-data --name node-b \\
  --initial-advertise-peer-urls http://10.10.10.12:2380 --listen-peer-urls http://0.0.0.0:2380 \\
  --advertise-client-urls http://10.10.10.12:2379 --listen-client-urls http://0.0.0.0:2379 \\
  --initial-cluster node-a=http://10.10.10.11:2380,node-b=http://10.10.10.12:2380 \\
  --initial-cluster-state existing`);
  assert.deepEqual(summary(b), {
    name: "node-b",
    dataDir: "/etcd-data",
    listenClient: ["http://0.0.0.0:2379/"],
    advertiseClient: ["http://10.10.10.12:2379"],
    listenPeer: ["http://0.0.0.0:2380/"],
    advertisePeer: ["http://10.10.10.12:2380"],
    initialCluster: [
      { name: "node-a", peerUrls: ["http://10.10.10.11:2380"] },
      { name: "node-b", peerUrls: ["http://10.10.10.12:2380"] },
    ],
    state: "existing",
    peers: [],
  });
  // The environment printed by `etcdctl member add`.
  const env = load([], {
    ETCD_NAME: "node-b",
    ETCD_INITIAL_CLUSTER:
      "node-a=http://10.10.10.11:2380,node-b=http://10.10.10.12:2380",
    ETCD_INITIAL_CLUSTER_STATE: "existing",
  });
  assert.deepEqual([env.name, env.initialClusterState, env.initialCluster], [
    "node-b",
    "existing",
    b.initialCluster,
  ]);
});

// Seed 002: etcd-N members on 127.0.0.x with DNS names etcd-N.
const ALL3 =
  "etcd-1=http://etcd-1:2380,etcd-2=http://etcd-2:2380,etcd-3=http://etcd-3:2380";
const member = (n: number) => ({
  name: `etcd-${n}`,
  peerUrls: [`http://etcd-${n}:2380`],
});

function seed002(
  n: number,
  ip: string,
  cluster: number[],
  state: "new" | "existing",
) {
  return {
    name: `etcd-${n}`,
    dataDir: `etcd-${n}.etcd`,
    listenClient: [`http://${ip}:2379/`],
    advertiseClient: [`http://etcd-${n}:2379`],
    listenPeer: [`http://${ip}:2380/`],
    advertisePeer: [`http://etcd-${n}:2380`],
    initialCluster: cluster.map(member),
    state,
    peers: [],
  };
}

Deno.test("seed 002: etcd 2.x clustering step by step", () => {
  const cases: [string, ReturnType<typeof seed002>][] = [
    [
      `$ etcd --name=etcd-1 \\
--listen-peer-urls http://127.0.0.1:2380 \\
--listen-client-urls http://127.0.0.1:2379 \\
--initial-cluster etcd-1=http://etcd-1:2380 \\
--initial-advertise-peer-urls http://etcd-1:2380 \\
--advertise-client-urls http://etcd-1:2379`,
      seed002(1, "127.0.0.1", [1], "new"),
    ],
    [
      `$ etcd --name=etcd-2 \\
--listen-peer-urls http://127.0.0.2:2380 \\
--listen-client-urls http://127.0.0.2:2379 \\
--initial-cluster etcd-2=http://etcd-2:2380 \\
--initial-advertise-peer-urls http://etcd-2:2380 \\
--advertise-client-urls http://etcd-2:2379`,
      seed002(2, "127.0.0.2", [2], "new"),
    ],
    [
      `$ etcd --name=etcd-2 \\
--listen-peer-urls http://127.0.0.2:2380 \\
--listen-client-urls http://127.0.0.2:2379 \\
--initial-cluster etcd-1=http://etcd-1:2380,etcd-2=http://etcd-2:2380 \\
--initial-advertise-peer-urls http://etcd-2:2380 \\
--advertise-client-urls http://etcd-2:2379`,
      seed002(2, "127.0.0.2", [1, 2], "new"),
    ],
    [
      `$ etcd --name=etcd-2 \\
--listen-peer-urls http://127.0.0.2:2380 \\
--listen-client-urls http://127.0.0.2:2379 \\
--initial-cluster etcd-1=http://etcd-1:2380,etcd-2=http://etcd-2:2380 \\
--initial-advertise-peer-urls http://etcd-2:2380 \\
--advertise-client-urls http://etcd-2:2379 \\
--initial-cluster-state existing`,
      seed002(2, "127.0.0.2", [1, 2], "existing"),
    ],
    [
      `$ etcd --name=etcd-3 \\
--listen-peer-urls http://127.0.0.3:2380 \\
--listen-client-urls http://127.0.0.3:2379 \\
--initial-cluster ${ALL3} \\
--initial-advertise-peer-urls http://etcd-3:2380 \\
--advertise-client-urls http://etcd-3:2379 \\
--initial-cluster-state existing`,
      seed002(3, "127.0.0.3", [1, 2, 3], "existing"),
    ],
    // "Avoid adding members manually": all three started with the full list.
    ...[1, 2, 3].map((n): [string, ReturnType<typeof seed002>] => [
      `$ etcd --name=etcd-${n} \\
--listen-peer-urls http://127.0.0.${n}:2380 \\
--listen-client-urls http://127.0.0.${n}:2379 \\
--initial-cluster ${ALL3} \\
--initial-advertise-peer-urls http://etcd-${n}:2380 \\
--advertise-client-urls http://etcd-${n}:2379`,
      seed002(n, `127.0.0.${n}`, [1, 2, 3], "new"),
    ]),
    // Failures: members moved to 127.0.0.4-6.
    ...[[1, 4], [2, 5], [3, 6]].map((
      [n, ip],
    ): [string, ReturnType<typeof seed002>] => [
      `$ etcd --name=etcd-${n} \\
--listen-peer-urls http://127.0.0.${ip}:2380 \\
--listen-client-urls http://127.0.0.${ip}:2379 \\
--initial-cluster ${ALL3} \\
--initial-advertise-peer-urls http://etcd-${n}:2380 \\
--advertise-client-urls http://etcd-${n}:2379`,
      seed002(n, `127.0.0.${ip}`, [1, 2, 3], "new"),
    ]),
    [
      `$ etcd --name=etcd-1 \\
--listen-peer-urls http://127.0.0.4:2380 \\
--listen-client-urls http://127.0.0.4:2379 \\
--initial-cluster ${ALL3} \\
--initial-advertise-peer-urls http://etcd-1:2380 \\
--advertise-client-urls http://etcd-1:2379 \\
--initial-cluster-state existing`,
      seed002(1, "127.0.0.4", [1, 2, 3], "existing"),
    ],
    [
      `$ etcd --name=etcd-2 \\
--listen-peer-urls http://127.0.0.5:2380 \\
--listen-client-urls http://127.0.0.5:2379 \\
--initial-cluster etcd-1=http://etcd-1:2380,etcd-2=http://etcd-2:2380 \\
--initial-advertise-peer-urls http://etcd-2:2380 \\
--advertise-client-urls http://etcd-2:2379 \\
--initial-cluster-state existing`,
      seed002(2, "127.0.0.5", [1, 2], "existing"),
    ],
    [
      `$ etcd --name=etcd-3 \\
--listen-peer-urls http://127.0.0.6:2380 \\
--listen-client-urls http://127.0.0.6:2379 \\
--initial-cluster ${ALL3} \\
--initial-advertise-peer-urls http://etcd-3:2380 \\
--advertise-client-urls http://etcd-3:2379 \\
--initial-cluster-state existing`,
      seed002(3, "127.0.0.6", [1, 2, 3], "existing"),
    ],
  ];
  for (const [line, want] of cases) {
    const c = load(line);
    assert.deepEqual(summary(c), want, line);
    assert.equal(c.forceNewCluster, false, line);
  }
  const forced = load(`$ etcd --name=etcd-1 \\
--listen-peer-urls http://127.0.0.4:2380 \\
--listen-client-urls http://127.0.0.4:2379 \\
--initial-cluster ${ALL3} \\
--initial-advertise-peer-urls http://etcd-1:2380 \\
--advertise-client-urls http://etcd-1:2379 \\
--force-new-cluster`);
  assert.deepEqual(summary(forced), seed002(1, "127.0.0.4", [1, 2, 3], "new"));
  assert.equal(forced.forceNewCluster, true);
});
