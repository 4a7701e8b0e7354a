// What every etcdctl command does before its own work: read the global
// flags (endpoints, TLS files, timeouts, output format), build the client,
// sync the endpoint list with the cluster, and report failures the way
// etcdctl's handleError does.

import { readFileSync } from "node:fs";
import { ClusterClient } from "./client/cluster_client.ts";
import { background, ClusterError, type Ctx, ERR_NO_ENDPOINTS, isConnectionError, withTimeout } from "./client/errors.ts";
import { KeysApi } from "./client/keys_api.ts";
import { MembersApi } from "./client/members_api.ts";
import type { TlsFiles } from "./client/transport.ts";
import { boolFlag, type CommandContext, stringFlag } from "./cli/command.ts";
import { exit, ExitBadArgs, ExitBadConnection, ExitServerError } from "./cli/exit.ts";
import { parseEndpoint, UrlParseError } from "./golang/url.ts";
import type { ParsedFlags } from "./golang/flags.ts";
import type { Output } from "./output/output.ts";

export const DEFAULT_ENDPOINTS = "http://127.0.0.1:2379,http://127.0.0.1:4001";

/** --endpoints, then ETCDCTL_ENDPOINTS, --endpoint, ETCDCTL_ENDPOINT, --peers/-C, ETCDCTL_PEERS, the default. */
export function endpointList(global: ParsedFlags, env: Record<string, string | undefined>): string[] {
  const candidates = [
    stringFlag(global, "endpoints"),
    env.ETCDCTL_ENDPOINTS ?? "",
    stringFlag(global, "endpoint"),
    env.ETCDCTL_ENDPOINT ?? "",
    stringFlag(global, "peers"),
    env.ETCDCTL_PEERS ?? "",
  ];
  const chosen = candidates.find((c) => c !== "") ?? DEFAULT_ENDPOINTS;
  return chosen.split(",");
}

export class Session {
  readonly out: Output;
  readonly format: string;
  private readonly global: ParsedFlags;

  constructor(readonly ctx: CommandContext) {
    this.out = ctx.env.out;
    this.global = ctx.global;
    this.format = stringFlag(ctx.global, "output") || "simple";
  }

  private get env(): Record<string, string | undefined> {
    return this.ctx.env.env;
  }

  /** A context that only Ctrl-C ends (Go's context.TODO, used by watches). */
  background(): Ctx {
    return background(this.ctx.env.interrupt);
  }

  /** A duration flag by its v2 name, else its v3 name when that was given, else the v2 default. */
  private duration(v2: string, v3: string): number {
    const name = !this.global.set.has(v2) && this.global.set.has(v3) ? v3 : v2;
    return Number(this.global.values.get(name) ?? 0);
  }

  /** --total-timeout (default 5s; v3: --command-timeout) over the whole command. */
  totalTimeoutMs(): number {
    return this.duration("total-timeout", "command-timeout");
  }

  withTotalTimeout(): { ctx: Ctx; cancel: () => void } {
    return withTimeout(this.background(), this.totalTimeoutMs());
  }

  tlsFiles(): TlsFiles | undefined {
    const g = this.global;
    const caFile = stringFlag(g, "ca-file") || stringFlag(g, "cacert") || this.env.ETCDCTL_CA_FILE || "";
    const certFile = stringFlag(g, "cert-file") || stringFlag(g, "cert") || this.env.ETCDCTL_CERT_FILE || "";
    const keyFile = stringFlag(g, "key-file") || stringFlag(g, "key") || this.env.ETCDCTL_KEY_FILE || "";
    if (!caFile && !certFile && !keyFile) return undefined;
    return { caFile: caFile || undefined, certFile: certFile || undefined, keyFile: keyFile || undefined };
  }

  /** The client without syncing (cluster-health uses this). */
  clientNoSync(): ClusterClient {
    const client = this.newClient();
    if (boolFlag(this.global, "debug")) this.out.eprintln(`Cluster-Endpoints: ${client.endpoints().join(", ")}`);
    return client;
  }

  private newClient(): ClusterClient {
    const endpoints = endpointList(this.global, this.env);
    try {
      for (const ep of endpoints) parseEndpoint(ep);
    } catch (err) {
      if (!(err instanceof UrlParseError)) throw err;
      this.out.eprintln(err.message);
      exit(ExitBadArgs);
    }
    if (stringFlag(this.global, "discovery-srv") || this.env.ETCDCTL_DISCOVERY_SRV) {
      this.out.eprintln("DNS SRV discovery is not supported by etcd ctl: give --endpoints");
      exit(ExitBadArgs);
    }
    const user = stringFlag(this.global, "username") || stringFlag(this.global, "user") || this.env.ETCDCTL_USERNAME || "";
    let credentials: { username: string; password: string } | undefined;
    if (user) {
      const colon = user.indexOf(":");
      if (colon < 0) {
        // etcdctl would prompt on the terminal; we take the password only inline.
        this.out.eprintln("password prompt is not supported: give --username user:password");
        exit(ExitBadArgs);
      }
      credentials = { username: user.slice(0, colon), password: user.slice(colon + 1) };
    }
    const tls = this.tlsFiles();
    for (const file of [tls?.caFile, tls?.certFile, tls?.keyFile]) {
      if (file === undefined) continue;
      try {
        readFileSync(file);
      } catch (err) {
        // Go's os.Open wording, as etcdctl prints it before exiting 1.
        const code = (err as { code?: string }).code;
        const why = code === "ENOENT" ? "no such file or directory" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "is a directory" : (err as Error).message;
        this.out.eprintln(`open ${file}: ${why}`);
        exit(ExitBadArgs);
      }
    }
    const debug = boolFlag(this.global, "debug");
    return new ClusterClient({
      endpoints,
      headerTimeoutMs: this.duration("timeout", "dial-timeout"),
      tls,
      credentials,
      debug: debug ? (line) => this.out.eprintln(line) : undefined,
    });
  }

  /** mustNewClient: build, then sync with the cluster unless --no-sync. */
  async client(): Promise<ClusterClient> {
    if (boolFlag(this.global, "no-sync")) return this.clientNoSync();
    const client = this.newClient();
    const debug = boolFlag(this.global, "debug");
    if (debug) this.out.eprintln(`start to sync cluster using endpoints(${client.endpoints().join(",")})`);
    const { ctx, cancel } = this.withTotalTimeout();
    try {
      await client.sync(ctx);
    } catch (err) {
      if (err instanceof Error && err.message === ERR_NO_ENDPOINTS) {
        this.out.eprintln("etcd cluster has no published client endpoints.");
        this.out.eprintln(`Try '--no-sync' if you want to access non-published client endpoints(${client.endpoints().join(",")}).`);
        this.fail(ExitServerError, err);
      }
      if (isConnectionError(err)) this.fail(ExitBadConnection, err);
      // Any other failure leaves the given endpoints in place, as etcdctl does.
    } finally {
      cancel();
    }
    if (debug) {
      this.out.eprintln(`got endpoints(${client.endpoints().join(",")}) after sync`);
      this.out.eprintln(`Cluster-Endpoints: ${client.endpoints().join(", ")}`);
    }
    return client;
  }

  async keys(): Promise<KeysApi> {
    return new KeysApi(await this.client());
  }

  async members(): Promise<MembersApi> {
    return new MembersApi(await this.client());
  }

  /** handleError: "Error:  <err>", the per-endpoint detail for a cluster error, then exit. */
  fail(code: number, err: unknown): never {
    const message = err instanceof Error ? err.message : String(err);
    this.out.eprintln(`Error:  ${message}`);
    if (err instanceof ClusterError) this.out.eprintln(err.detail());
    exit(code);
  }
}
