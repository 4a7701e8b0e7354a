// Turns the settings of all sources into one validated Config: picks each
// setting from the highest-ranked source, derives what etcd derives
// (listen and advertise URLs from either generation's flags, the default
// initial cluster, the data dir from the name) and checks the result.

import { parseInitialCluster } from "./cluster.ts";
import { ConfigError } from "./errors.ts";
import { BY_ID } from "./options.ts";
import type { Config, TlsFiles } from "./types.ts";
import {
  type Endpoint,
  formatEndpoint,
  isUnspecifiedHost,
  parseBindAddr,
  parseHostPortOrUrl,
  parseUrl,
  type Scheme,
  toURL,
} from "./urls.ts";
import { invalid, type Layer, type Setting, splitList } from "./values.ts";

export const DEFAULTS = {
  name: "default",
  initialClusterToken: "etcd-cluster",
  heartbeatIntervalMs: 100,
  electionTimeoutMs: 1000,
  snapshotCount: 10000,
  maxRequestBytes: 10 * 1024 * 1024,
  clientPorts: [2379, 4001],
  peerPorts: [2380, 7001],
  // etcd 0.2's default -addr and -peer-addr ports, used when only a bind
  // address is given.
  legacyClientPort: 4001,
  legacyPeerPort: 7001,
} as const;

// etcd 2.x refuses longer election timeouts.
const MAX_ELECTION_MS = 50000;

const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

// Lookup of the winning setting per option id.
class Settings {
  constructor(private readonly layers: Layer[]) {}

  get(id: string): Setting | undefined {
    let best: Setting | undefined;
    for (const layer of this.layers) {
      const s = layer.get(id);
      if (s && (!best || s.source.rank > best.source.rank)) best = s;
    }
    return best;
  }

  rank(id: string): number {
    return this.get(id)?.source.rank ?? 0;
  }

  // How to name a setting in an error, even when it was left at its default.
  label(id: string): string {
    return this.get(id)?.source.label ??
      `the default of --${BY_ID.get(id)?.flags[0] ?? id}`;
  }

  str(id: string, def: string): string {
    const v = this.get(id)?.value;
    return typeof v === "string" ? v : def;
  }

  bool(id: string, def: boolean): boolean {
    const v = this.get(id)?.value;
    return typeof v === "boolean" ? v : def;
  }

  num(id: string, def: number): number {
    const v = this.get(id)?.value;
    return typeof v === "number" ? v : def;
  }

  list(id: string): string[] | undefined {
    const v = this.get(id)?.value;
    return Array.isArray(v) ? v : undefined;
  }
}

export function resolveConfig(
  layers: Layer[],
  readFile: (path: string) => string,
): Config {
  const s = new Settings(layers);

  const name = s.str("name", DEFAULTS.name);
  if (name.trim() === "") {
    throw new ConfigError(
      `${
        s.label("name")
      } is empty: give this member a name, e.g. --name=infra0`,
    );
  }
  const dataDir = s.str("data-dir", "") || `${name}.etcd`;

  const clientTls = tlsFiles(s, "", "cert-file", "key-file");
  const peerTls = tlsFiles(s, "peer-", "peer-cert-file", "peer-key-file");
  const clientScheme: Scheme = clientTls.certFile && clientTls.keyFile
    ? "https"
    : "http";
  const peerScheme: Scheme = peerTls.certFile && peerTls.keyFile
    ? "https"
    : "http";

  const client = deriveSide(s, {
    listen: "listen-client-urls",
    advertise: "advertise-client-urls",
    addr: "addr",
    bind: "bind-addr",
    ports: DEFAULTS.clientPorts,
    legacyPort: DEFAULTS.legacyClientPort,
    scheme: clientScheme,
  });
  const peer = deriveSide(s, {
    listen: "listen-peer-urls",
    advertise: "initial-advertise-peer-urls",
    addr: "peer-addr",
    bind: "peer-bind-addr",
    ports: DEFAULTS.peerPorts,
    legacyPort: DEFAULTS.legacyPeerPort,
    scheme: peerScheme,
  });
  requireTlsForHttps(
    client.listen,
    client.listenLabel,
    clientTls,
    "--cert-file and --key-file",
  );
  requireTlsForHttps(
    peer.listen,
    peer.listenLabel,
    peerTls,
    "--peer-cert-file and --peer-key-file",
  );
  const initialAdvertisePeerUrls = peer.advertise.map(formatEndpoint);

  const clusterSetting = s.get("initial-cluster");
  const initialCluster = clusterSetting
    ? parseInitialCluster(
      clusterSetting.value as string[],
      clusterSetting.source.label,
    )
    : [{ name, peerUrls: initialAdvertisePeerUrls }];
  if (clusterSetting && !initialCluster.some((m) => m.name === name)) {
    const others = initialCluster.map((m) => m.name).join(", ");
    throw new ConfigError(
      `this member's name "${name}" is missing from ${clusterSetting.source.label}: add ${name}=${
        initialAdvertisePeerUrls[0]
      } to it, or set --name to one of ${others}`,
    );
  }

  const state = s.str("initial-cluster-state", "new");
  if (state !== "new" && state !== "existing") {
    throw invalid(
      JSON.stringify(state),
      s.label("initial-cluster-state"),
      "use new or existing",
    );
  }

  const { heartbeatIntervalMs, electionTimeoutMs } = timing(s);
  const snapshotCount = positive(s, "snapshot-count", DEFAULTS.snapshotCount);
  const maxRequestBytes = positive(
    s,
    "max-request-bytes",
    DEFAULTS.maxRequestBytes,
  );

  return {
    name,
    dataDir,
    listenClientUrls: client.listen.map((e) => toURL(e, client.listenLabel)),
    advertiseClientUrls: client.advertise.map(formatEndpoint),
    listenPeerUrls: peer.listen.map((e) => toURL(e, peer.listenLabel)),
    initialAdvertisePeerUrls,
    initialCluster,
    initialClusterState: state,
    initialClusterToken: s.str(
      "initial-cluster-token",
      DEFAULTS.initialClusterToken,
    ),
    peers: peers(s, peerScheme, readFile),
    heartbeatIntervalMs,
    electionTimeoutMs,
    snapshotCount,
    snapshot: s.bool("snapshot", true),
    forceNewCluster: s.bool("force-new-cluster", false),
    force: s.bool("force", false),
    cors: s.list("cors") ?? [],
    clientTls,
    peerTls,
    discovery: s.str("discovery", ""),
    maxRequestBytes,
    logLevel: logLevel(s),
    enableV2: true,
    showVersion: s.bool("version", false),
    showHelp: s.bool("help", false),
  };
}

function tlsFiles(
  s: Settings,
  prefix: "" | "peer-",
  certId: string,
  keyId: string,
): TlsFiles {
  const certFile = s.str(certId, "");
  const keyFile = s.str(keyId, "");
  if (certFile && !keyFile) {
    throw new ConfigError(
      `${
        s.label(certId)
      } is set but --${keyId} is not: give both the cert and its key file`,
    );
  }
  if (keyFile && !certFile) {
    throw new ConfigError(
      `${
        s.label(keyId)
      } is set but --${certId} is not: give both the cert and its key file`,
    );
  }
  const caFile = s.str(`${prefix}ca-file`, "");
  return {
    certFile,
    keyFile,
    caFile,
    // etcd 0.2 checked client certificates whenever a CA file was given.
    clientCertAuth: s.bool(`${prefix}client-cert-auth`, false) || caFile !== "",
    trustedCaFile: s.str(`${prefix}trusted-ca-file`, "") || caFile,
  };
}

interface SideIds {
  listen: string;
  advertise: string;
  addr: string;
  bind: string;
  ports: readonly number[];
  legacyPort: number;
  scheme: Scheme;
}

interface Side {
  listen: Endpoint[];
  listenLabel: string;
  advertise: Endpoint[];
}

// Listen and advertise endpoints for clients or for peers. The etcd 2.x
// flags and the etcd 0.2 ones (-addr, -bind-addr) may both be present; the
// one from the higher-ranked source wins, and 2.x wins a tie.
function deriveSide(s: Settings, ids: SideIds): Side {
  const addr = s.get(ids.addr);
  const bind = s.get(ids.bind);
  const addrEp = addr
    ? parseHostPortOrUrl(addr.value as string, ids.scheme, addr.source.label)
    : undefined;
  const bindHp = bind
    ? parseBindAddr(bind.value as string, bind.source.label)
    : undefined;
  const legacyRank = Math.max(addr?.source.rank ?? 0, bind?.source.rank ?? 0);

  let listen: Endpoint[];
  let listenLabel: string;
  const listenSetting = s.get(ids.listen);
  if (listenSetting && listenSetting.source.rank >= legacyRank) {
    listen = urlList(listenSetting);
    listenLabel = listenSetting.source.label;
  } else if (addrEp || bindHp) {
    // etcd 0.2: listen where we advertise, on -bind-addr's host if given.
    const base = addrEp ??
      { scheme: ids.scheme, host: "127.0.0.1", port: ids.legacyPort };
    listen = [{
      scheme: base.scheme,
      host: bindHp?.host ?? base.host,
      port: bindHp?.port ?? base.port,
    }];
    listenLabel = (bind ?? addr)!.source.label;
  } else {
    listen = ids.ports.map((port) => ({
      scheme: ids.scheme,
      host: "localhost",
      port,
    }));
    listenLabel = s.label(ids.listen);
  }

  let advertise: Endpoint[];
  const advertiseSetting = s.get(ids.advertise);
  if (
    advertiseSetting && advertiseSetting.source.rank >= (addr?.source.rank ?? 0)
  ) {
    advertise = urlList(advertiseSetting);
  } else if (addrEp) {
    advertise = [addrEp];
  } else {
    // Advertise where we listen; "every interface" is not an address
    // others can reach, so it is advertised as localhost.
    advertise = listen.map((e) =>
      isUnspecifiedHost(e.host) ? { ...e, host: "localhost" } : e
    );
  }
  return { listen: unique(listen), listenLabel, advertise: unique(advertise) };
}

function urlList(setting: Setting): Endpoint[] {
  const urls = setting.value as string[];
  if (urls.length === 0) {
    throw new ConfigError(
      `${setting.source.label} is empty: give at least one URL such as http://localhost:2379`,
    );
  }
  return urls.map((u) => parseUrl(u, setting.source.label));
}

function unique(endpoints: Endpoint[]): Endpoint[] {
  const seen = new Set<string>();
  return endpoints.filter((e) => {
    const key = formatEndpoint(e);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function requireTlsForHttps(
  listen: Endpoint[],
  label: string,
  tls: TlsFiles,
  flags: string,
): void {
  const https = listen.find((e) => e.scheme === "https");
  if (https && !(tls.certFile && tls.keyFile)) {
    throw new ConfigError(
      `${label} listens on ${
        formatEndpoint(https)
      } but no TLS certificate is configured: set ${flags}, or use http`,
    );
  }
}

// etcd 0.2 -peers plus the entries of -peers-file, as URLs, without repeats.
function peers(
  s: Settings,
  scheme: Scheme,
  readFile: (path: string) => string,
): string[] {
  const out: string[] = [];
  const add = (entries: string[], label: string) => {
    for (const entry of entries) {
      const url = formatEndpoint(parseHostPortOrUrl(entry, scheme, label));
      if (!out.includes(url)) out.push(url);
    }
  };
  const listed = s.get("peers");
  if (listed) add(listed.value as string[], listed.source.label);
  const file = s.get("peers-file");
  const path = file?.value as string | undefined;
  if (file && path) {
    let text: string;
    try {
      text = readFile(path);
    } catch (e) {
      const why = (e instanceof Error ? e.message : String(e)).split("\n")[0];
      throw new ConfigError(
        `cannot read the peers file ${
          JSON.stringify(path)
        } given by ${file.source.label}: ${why}`,
      );
    }
    add(
      text.split(/[\r\n]+/).flatMap(splitList),
      `peers file ${JSON.stringify(path)}`,
    );
  }
  return out;
}

function timing(
  s: Settings,
): { heartbeatIntervalMs: number; electionTimeoutMs: number } {
  const hb = s.num("heartbeat-interval", DEFAULTS.heartbeatIntervalMs);
  const el = s.num("election-timeout", DEFAULTS.electionTimeoutMs);
  const hbLabel = s.label("heartbeat-interval");
  const elLabel = s.label("election-timeout");
  if (hb <= 0) {
    throw invalid(`"${hb}"`, hbLabel, "must be greater than 0 (milliseconds)");
  }
  if (el <= 0) {
    throw invalid(`"${el}"`, elLabel, "must be greater than 0 (milliseconds)");
  }
  // etcd 2.x demands 5x the heartbeat; etcd 0.2's README tunes both to 100 ms,
  // so we only refuse what cannot work (an election before the first heartbeat).
  if (el < hb) {
    throw new ConfigError(
      `election timeout ${el}ms (${elLabel}) must be at least the heartbeat interval ${hb}ms (${hbLabel}); 5 times or more is recommended`,
    );
  }
  if (el > MAX_ELECTION_MS) {
    throw new ConfigError(
      `election timeout ${el}ms (${elLabel}) is too long: it must be at most ${MAX_ELECTION_MS}ms`,
    );
  }
  return { heartbeatIntervalMs: hb, electionTimeoutMs: el };
}

function positive(s: Settings, id: string, def: number): number {
  const n = s.num(id, def);
  if (n <= 0) throw invalid(`"${n}"`, s.label(id), "must be greater than 0");
  return n;
}

function logLevel(s: Settings): Config["logLevel"] {
  const setting = s.get("log-level");
  let level: Config["logLevel"] = "info";
  if (setting) {
    const v = (setting.value as string).trim().toLowerCase();
    const found = LOG_LEVELS.find((l) => l === v);
    if (!found) {
      throw invalid(
        JSON.stringify(setting.value),
        setting.source.label,
        `use one of ${LOG_LEVELS.join(", ")}`,
      );
    }
    level = found;
  }
  // -v, -vv and --debug mean debug unless a higher-ranked source set a level.
  const verboseRank = Math.max(
    ...["verbose", "very-verbose", "debug"].map((id) =>
      s.bool(id, false) ? s.rank(id) : 0
    ),
  );
  if (verboseRank > 0 && verboseRank >= (setting?.source.rank ?? 0)) {
    level = "debug";
  }
  return level;
}
