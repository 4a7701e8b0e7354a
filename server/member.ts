// Starts a member: the EtcdServer plus its client and peer listeners.

import process from "node:process";
import v8 from "node:v8";
import type { Config } from "./config/types.ts";
import { EtcdServer } from "./cluster/etcd_server.ts";
import { createClientApp } from "./http/app.ts";
import { closeDashboardStreams } from "./http/dashboard.ts";
import { closePeerStreams, createPeerApp } from "./http/peer.ts";
import { createLogger } from "./log.ts";
import { type Listener, serve, type ServeOptions, type TlsOptions } from "./runtime/serve.ts";
import { configurePeerTls, loadPeerClientTls, loadServerTls } from "./runtime/tls.ts";
import { collectGarbageNow, holdYoungGeneration } from "./runtime/recovery_heap.ts";
import { IdleCollector } from "./runtime/idle_collector.ts";
import { lastAnsweredAt } from "./runtime/client_load.ts";
import { WalCorruptError } from "./storage/errors.ts";
import { BootstrapError } from "./cluster/bootstrap.ts";

export interface RunningMember {
  server: EtcdServer;
  clientListeners: Listener[];
  peerListeners: Listener[];
  stop(reason: string): Promise<void>;
}

const WATCH_TIMEOUT_MS = 5 * 60 * 1000;
/** The longest the young generation is held small while the log catches up after a restart. */
const RECOVERY_HEAP_HOLD_MS = 30_000;
/** How long a restarted member serves before it collects its rebuild's garbage. */
const COLLECT_AFTER_SERVING_MS = 200;

export async function startMember(config: Config): Promise<RunningMember> {
  const logger = createLogger(config.name, config.logLevel);
  // Certificate problems are found here, before anything touches the data dir.
  const clientTls = loadServerTls(config.clientTls, "client");
  const peerTls = loadServerTls(config.peerTls, "peer");
  requireCert(config.listenClientUrls, clientTls, "--cert-file and --key-file");
  requireCert(config.listenPeerUrls, peerTls, "--peer-cert-file and --peer-key-file");
  configurePeerTls(loadPeerClientTls(config.peerTls));
  let server: EtcdServer;
  // Until the state on disk is rebuilt (recovery_heap.ts).
  const releaseYoungGeneration = holdYoungGeneration();
  try {
    server = await EtcdServer.start(config, logger);
  } catch (err) {
    releaseYoungGeneration();
    if (err instanceof WalCorruptError) throw new Error(`refusing to start: ${err.message}`);
    if (err instanceof BootstrapError) throw new Error(err.message);
    throw err;
  }
  // Should the log never catch up (a stop), the hold ends anyway.
  const holdTimer = setTimeout(releaseYoungGeneration, RECOVERY_HEAP_HOLD_MS);
  const caughtUp = server.caughtUp().then(() => {
    clearTimeout(holdTimer);
    releaseYoungGeneration();
  });
  let collectTimer: ReturnType<typeof setTimeout> | undefined;
  server.fatal = (err) => {
    console.error(`etcd: ${err.message}`);
    process.exit(1);
  };
  server.onRemoved = () => {
    console.error("etcd: this member has been permanently removed from the cluster; exiting");
    process.exit(0);
  };
  const clientApp = createClientApp(server, {
    maxRequestBytes: config.maxRequestBytes,
    watchTimeoutMs: WATCH_TIMEOUT_MS,
    cors: config.cors,
  });
  const peerApp = createPeerApp(server);
  const clientListeners: Listener[] = [];
  const peerListeners: Listener[] = [];
  try {
    for (const u of config.listenClientUrls) {
      clientListeners.push(await listen(u, clientApp.app.fetch, clientTls, false, clientApp));
    }
    for (const u of config.listenPeerUrls) peerListeners.push(await listen(u, peerApp.fetch, peerTls, true));
  } catch (err) {
    for (const l of [...clientListeners, ...peerListeners]) await l.close();
    await server.stop();
    throw err;
  }
  logger.info(
    `serving clients on ${config.listenClientUrls.map((u) => u.origin).join(", ")}; peers on ${
      config.listenPeerUrls.map((u) => u.origin).join(", ")
    }`,
  );
  if (server.restoredFromDisk) {
    // The rebuild's garbage goes once the member serves and has answered
    // the clients that were waiting for it: the collection is a 40-50 ms
    // pause at 100k keys, which was on every restart's way to its first answer.
    void caughtUp.then(() => {
      collectTimer = setTimeout(() => {
        const t = performance.now();
        if (collectGarbageNow()) logger.info(`state rebuilt from disk; its garbage collected in ${(performance.now() - t).toFixed(0)} ms`);
      }, COLLECT_AFTER_SERVING_MS);
    });
  }
  const idleCollector = new IdleCollector({
    progress: () => server.applied,
    lastAnsweredAt,
    heapSize: () => v8.getHeapStatistics().total_heap_size,
    collect: collectGarbageNow,
    now: () => performance.now(),
    collected: (ms, before, after) =>
      logger.info(`quiet after a burst: garbage collected in ${ms.toFixed(0)} ms (heap ${mib(before)} -> ${mib(after)} MiB)`),
  }).start();
  return {
    server,
    clientListeners,
    peerListeners,
    async stop(reason: string) {
      logger.info(`stopping: ${reason}`);
      clearTimeout(holdTimer);
      clearTimeout(collectTimer);
      idleCollector.stop();
      releaseYoungGeneration();
      // Open dashboard streams would hold Deno's listener shutdown up.
      closeDashboardStreams();
      closePeerStreams();
      await Promise.race([
        Promise.all([...clientListeners, ...peerListeners].map((l) => l.close())),
        new Promise((r) => setTimeout(r, 2000)),
      ]);
      await server.stop();
      logger.info("stopped");
    },
  };
}

/** https:// listeners need a certificate (the config checks this too; this keeps startMember safe on its own). */
function requireCert(urls: URL[], tls: TlsOptions | undefined, flags: string): void {
  const u = urls.find((u) => u.protocol === "https:");
  if (u && !tls) throw new Error(`${u.origin}: https listeners need ${flags}`);
}

async function listen(
  u: URL,
  // deno-lint-ignore no-explicit-any
  fetch: (req: Request) => any,
  tls: TlsOptions | undefined,
  longRequests = false,
  fast: Pick<ServeOptions, "nodeFastPath" | "http1Route"> = {},
): Promise<Listener> {
  const hostname = bindHost(u.hostname);
  const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
  try {
    return await serve({
      hostname,
      port,
      fetch,
      tls: u.protocol === "https:" ? tls : undefined,
      longRequests,
      nodeFastPath: fast.nodeFastPath,
      http1Route: fast.http1Route,
    });
  } catch (err) {
    const code = (err as { code?: string }).code ?? (err as Error).name;
    if (code === "EADDRINUSE" || code === "AddrInUse") {
      throw new Error(`listen tcp ${hostname}:${port}: bind: address already in use`);
    }
    throw new Error(`listen tcp ${hostname}:${port}: ${(err as Error).message}`);
  }
}

/** "localhost" is bound as 127.0.0.1 so IPv4 clients always reach it; IPv6 literals lose their brackets. */
function bindHost(h: string): string {
  if (h === "localhost") return "127.0.0.1";
  return h.replace(/^\[(.*)\]$/, "$1");
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(0);
}
