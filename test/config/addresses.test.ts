// Defaults, and how listen and advertise URLs follow from the etcd 0.2
// address flags (-addr, -bind-addr, -peer-addr, -peer-bind-addr) and the
// etcd 2.x URL flags.

import assert from "node:assert/strict";
import type { Config } from "../../server/config/load.ts";
import {
  parseHostPortOrUrl,
  urlHost,
  urlPort,
} from "../../server/config/load.ts";
import { isUnspecifiedHost } from "../../server/config/urls.ts";
import { hrefs, load } from "./helpers.ts";

Deno.test("defaults with no flags, no environment and no file", () => {
  const c = load([]);
  const want: Omit<Config, "listenClientUrls" | "listenPeerUrls"> = {
    name: "default",
    dataDir: "default.etcd",
    advertiseClientUrls: ["http://localhost:2379", "http://localhost:4001"],
    initialAdvertisePeerUrls: [
      "http://localhost:2380",
      "http://localhost:7001",
    ],
    initialCluster: [{
      name: "default",
      peerUrls: ["http://localhost:2380", "http://localhost:7001"],
    }],
    initialClusterState: "new",
    initialClusterToken: "etcd-cluster",
    peers: [],
    heartbeatIntervalMs: 100,
    electionTimeoutMs: 1000,
    snapshotCount: 10000,
    snapshot: true,
    forceNewCluster: false,
    force: false,
    cors: [],
    clientTls: {
      certFile: "",
      keyFile: "",
      caFile: "",
      clientCertAuth: false,
      trustedCaFile: "",
    },
    peerTls: {
      certFile: "",
      keyFile: "",
      caFile: "",
      clientCertAuth: false,
      trustedCaFile: "",
    },
    discovery: "",
    maxRequestBytes: 10 * 1024 * 1024,
    logLevel: "info",
    enableV2: true,
    showVersion: false,
    showHelp: false,
  };
  const { listenClientUrls, listenPeerUrls, ...rest } = c;
  assert.deepEqual(rest, want);
  assert.deepEqual(hrefs(listenClientUrls), [
    "http://localhost:2379/",
    "http://localhost:4001/",
  ]);
  assert.deepEqual(hrefs(listenPeerUrls), [
    "http://localhost:2380/",
    "http://localhost:7001/",
  ]);
  assert.ok(listenClientUrls.every((u) => u instanceof URL));
});

Deno.test("the data dir follows the name unless given", () => {
  assert.equal(load("--name infra1").dataDir, "infra1.etcd");
  assert.equal(load("--name infra1 --data-dir /d").dataDir, "/d");
  assert.equal(
    load(["--name", "infra1", "--data-dir="]).dataDir,
    "infra1.etcd",
  );
});

type Case = [args: string, listen: string[], advertise: string[]];

Deno.test("etcd 0.2 client addresses: -addr and -bind-addr", () => {
  const cases: Case[] = [
    ["-addr 127.0.0.1:4002", ["http://127.0.0.1:4002/"], [
      "http://127.0.0.1:4002",
    ]],
    ["-addr 10.0.0.1:4001 -bind-addr 0.0.0.0", ["http://0.0.0.0:4001/"], [
      "http://10.0.0.1:4001",
    ]],
    ["-bind-addr 0.0.0.0:5000 -addr 10.0.0.1:4001", ["http://0.0.0.0:5000/"], [
      "http://10.0.0.1:4001",
    ]],
    ["-addr 10.0.0.1:4001 -bind-addr ::", ["http://[::]:4001/"], [
      "http://10.0.0.1:4001",
    ]],
    ["-addr 10.0.0.1:4001 -bind-addr [::1]:4100", ["http://[::1]:4100/"], [
      "http://10.0.0.1:4001",
    ]],
    ["-bind-addr 0.0.0.0", ["http://0.0.0.0:4001/"], ["http://localhost:4001"]],
    ["-bind-addr 10.1.2.3", ["http://10.1.2.3:4001/"], [
      "http://10.1.2.3:4001",
    ]],
    ["-addr http://127.0.0.1:4001", ["http://127.0.0.1:4001/"], [
      "http://127.0.0.1:4001",
    ]],
    ["-addr http://127.0.0.1:4001/", ["http://127.0.0.1:4001/"], [
      "http://127.0.0.1:4001",
    ]],
    ["-addr [::1]:4001", ["http://[::1]:4001/"], ["http://[::1]:4001"]],
    ["-addr etcd-1.example.com:4001", ["http://etcd-1.example.com:4001/"], [
      "http://etcd-1.example.com:4001",
    ]],
    [
      "-addr 127.0.0.1:4001 -cert-file c.pem -key-file k.pem",
      ["https://127.0.0.1:4001/"],
      ["https://127.0.0.1:4001"],
    ],
    [
      "-addr http://127.0.0.1:4001 -cert-file c.pem -key-file k.pem",
      ["http://127.0.0.1:4001/"],
      ["http://127.0.0.1:4001"],
    ],
  ];
  for (const [args, listen, advertise] of cases) {
    const c = load(args);
    assert.deepEqual([hrefs(c.listenClientUrls), c.advertiseClientUrls], [
      listen,
      advertise,
    ], args);
    // The peer side keeps the 2.x defaults.
    assert.deepEqual(c.initialAdvertisePeerUrls, [
      "http://localhost:2380",
      "http://localhost:7001",
    ], args);
  }
});

Deno.test("etcd 0.2 peer addresses: -peer-addr and -peer-bind-addr", () => {
  const cases: Case[] = [
    ["-peer-addr 127.0.0.1:7002", ["http://127.0.0.1:7002/"], [
      "http://127.0.0.1:7002",
    ]],
    ["-peer-addr 10.0.0.1:7001 -peer-bind-addr 0.0.0.0", [
      "http://0.0.0.0:7001/",
    ], ["http://10.0.0.1:7001"]],
    ["-peer-bind-addr 0.0.0.0", ["http://0.0.0.0:7001/"], [
      "http://localhost:7001",
    ]],
    [
      "-peer-addr 10.0.0.1:7001 -peer-cert-file p.pem -peer-key-file pk.pem",
      ["https://10.0.0.1:7001/"],
      ["https://10.0.0.1:7001"],
    ],
  ];
  for (const [args, listen, advertise] of cases) {
    const c = load(args);
    assert.deepEqual([hrefs(c.listenPeerUrls), c.initialAdvertisePeerUrls], [
      listen,
      advertise,
    ], args);
    assert.deepEqual(c.initialCluster, [{
      name: "default",
      peerUrls: advertise,
    }], args);
    assert.deepEqual(c.advertiseClientUrls, [
      "http://localhost:2379",
      "http://localhost:4001",
    ], args);
  }
});

Deno.test("etcd 2.x URLs: advertise defaults to the listen URLs, 0.0.0.0 as localhost", () => {
  const cases: Case[] = [
    ["--listen-client-urls http://10.0.0.1:2379", ["http://10.0.0.1:2379/"], [
      "http://10.0.0.1:2379",
    ]],
    ["--listen-client-urls http://0.0.0.0:2379", ["http://0.0.0.0:2379/"], [
      "http://localhost:2379",
    ]],
    ["--listen-client-urls http://[::]:2379", ["http://[::]:2379/"], [
      "http://localhost:2379",
    ]],
    [
      "--listen-client-urls http://0.0.0.0:2379,http://127.0.0.1:4001",
      ["http://0.0.0.0:2379/", "http://127.0.0.1:4001/"],
      ["http://localhost:2379", "http://127.0.0.1:4001"],
    ],
    [
      "--listen-client-urls http://0.0.0.0:2379 --advertise-client-urls http://10.0.0.1:2379",
      ["http://0.0.0.0:2379/"],
      ["http://10.0.0.1:2379"],
    ],
    [
      "--listen-client-urls http://a:1,http://a:1,HTTP://a:2",
      ["http://a:1/", "http://a:2/"],
      ["http://a:1", "http://a:2"],
    ],
  ];
  for (const [args, listen, advertise] of cases) {
    const c = load(args);
    assert.deepEqual([hrefs(c.listenClientUrls), c.advertiseClientUrls], [
      listen,
      advertise,
    ], args);
  }
  const p = load("--listen-peer-urls http://0.0.0.0:2380");
  assert.deepEqual(p.initialAdvertisePeerUrls, ["http://localhost:2380"]);
  assert.deepEqual(p.initialCluster, [{
    name: "default",
    peerUrls: ["http://localhost:2380"],
  }]);
});

Deno.test("a client cert and key make the default URLs https", () => {
  const c = load("-cert-file=s.crt -key-file=s.key");
  assert.deepEqual(hrefs(c.listenClientUrls), [
    "https://localhost:2379/",
    "https://localhost:4001/",
  ]);
  assert.deepEqual(c.initialAdvertisePeerUrls, [
    "http://localhost:2380",
    "http://localhost:7001",
  ]);
  // Explicit http URLs stay http.
  assert.deepEqual(
    load("-cert-file=s.crt -key-file=s.key --listen-client-urls=http://a:1")
      .advertiseClientUrls,
    [
      "http://a:1",
    ],
  );
});

Deno.test("-peers and -peers-file are merged, normalised to URLs, without repeats", () => {
  const files = {
    "p.txt": "127.0.0.1:7003\n\n 127.0.0.1:7001 ,127.0.0.1:7004\r\n",
  };
  const c = load(
    "-peers 127.0.0.1:7001,127.0.0.1:7002 -peers-file p.txt",
    {},
    files,
  );
  assert.deepEqual(c.peers, [
    "http://127.0.0.1:7001",
    "http://127.0.0.1:7002",
    "http://127.0.0.1:7003",
    "http://127.0.0.1:7004",
  ]);
  const tls = load(
    "-peers 10.0.0.1:7001 -peer-cert-file p.crt -peer-key-file p.key",
  );
  assert.deepEqual(tls.peers, ["https://10.0.0.1:7001"]);
  assert.deepEqual(load("-peers ,, ").peers, []);
});

Deno.test("TLS settings of both generations", () => {
  const c = load(
    "-ca-file=ca.crt -cert-file=s.crt -key-file=s.key -peer-ca-file=pca.crt -peer-cert-file=p.crt -peer-key-file=p.key",
  );
  assert.deepEqual(c.clientTls, {
    certFile: "s.crt",
    keyFile: "s.key",
    caFile: "ca.crt",
    clientCertAuth: true,
    trustedCaFile: "ca.crt",
  });
  assert.deepEqual(c.peerTls, {
    certFile: "p.crt",
    keyFile: "p.key",
    caFile: "pca.crt",
    clientCertAuth: true,
    trustedCaFile: "pca.crt",
  });
  const d = load(
    "--cert-file=s.crt --key-file=s.key --client-cert-auth --trusted-ca-file=t.crt --peer-client-cert-auth --peer-trusted-ca-file=pt.crt",
  );
  assert.deepEqual(d.clientTls, {
    certFile: "s.crt",
    keyFile: "s.key",
    caFile: "",
    clientCertAuth: true,
    trustedCaFile: "t.crt",
  });
  assert.deepEqual(d.peerTls, {
    certFile: "",
    keyFile: "",
    caFile: "",
    clientCertAuth: true,
    trustedCaFile: "pt.crt",
  });
});

Deno.test("parseHostPortOrUrl, urlPort, urlHost, isUnspecifiedHost", () => {
  assert.deepEqual(parseHostPortOrUrl("127.0.0.1:4001", "http"), {
    scheme: "http",
    host: "127.0.0.1",
    port: 4001,
  });
  assert.deepEqual(parseHostPortOrUrl("127.0.0.1:4001", "https"), {
    scheme: "https",
    host: "127.0.0.1",
    port: 4001,
  });
  assert.deepEqual(parseHostPortOrUrl("https://h:1", "http"), {
    scheme: "https",
    host: "h",
    port: 1,
  });
  assert.deepEqual(parseHostPortOrUrl(" [::1]:2 ", "http"), {
    scheme: "http",
    host: "[::1]",
    port: 2,
  });
  assert.throws(
    () => parseHostPortOrUrl("127.0.0.1", "http"),
    /write it as host:port/,
  );
  assert.equal(urlPort(new URL("http://a:80")), 80);
  assert.equal(urlPort(new URL("https://a:443")), 443);
  assert.equal(urlPort(new URL("http://a:2379")), 2379);
  assert.equal(urlHost(new URL("http://[::1]:2379")), "::1");
  assert.equal(urlHost(new URL("http://127.0.0.1:2379")), "127.0.0.1");
  for (const h of ["0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0", "[0::0]"]) {
    assert.ok(isUnspecifiedHost(h), h);
  }
  for (const h of ["127.0.0.1", "::1", "localhost", "10.0.0.0"]) {
    assert.ok(!isUnspecifiedHost(h), h);
  }
});

Deno.test("ports 80 and 443 survive the URL round trip", () => {
  const c = load("--listen-client-urls http://127.0.0.1:80");
  assert.deepEqual(c.advertiseClientUrls, ["http://127.0.0.1:80"]);
  assert.equal(urlPort(c.listenClientUrls[0]), 80);
});
