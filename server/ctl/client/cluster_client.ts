// The cluster-aware client etcdctl v2 talks through: a shuffled list of
// endpoints with one pinned, failover to the next endpoint on connection
// errors and 5xx answers (except for one-shot requests, which must not be
// sent twice), redirects followed, and Sync() to replace the endpoints with
// the client URLs the cluster publishes.

import { quote } from "../golang/strconv.ts";
import { type Endpoint, endpointString, parseEndpoint } from "../golang/url.ts";
import { ClusterError, type Ctx, ERR_NO_ENDPOINTS } from "./errors.ts";
import { type HttpRequest, type HttpResponse, roundTrip, type TlsFiles } from "./transport.ts";

/** Builds the request for one endpoint (a Go client "action"). */
export type Action = (ep: Endpoint) => HttpRequest;

export interface ClientConfig {
  endpoints: string[];
  /** --timeout: per request, until the headers arrive; not applied to watches. */
  headerTimeoutMs: number;
  tls?: TlsFiles;
  /** username:password for basic auth. */
  credentials?: { username: string; password: string };
  /** Receives the --debug cURL lines. */
  debug?: (line: string) => void;
  /** Source of randomness for shuffling endpoints (tests make it fixed). */
  random?: () => number;
}

const MAX_REDIRECTS = 10;

const STATUS_TEXT: Record<number, string> = {
  501: "Not Implemented",
  502: "Bad Gateway",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
  507: "Insufficient Storage",
  508: "Loop Detected",
  510: "Not Extended",
  511: "Network Authentication Required",
};

export class ClusterClient {
  private eps: Endpoint[] = [];
  private pinned = 0;
  private readonly random: () => number;

  constructor(private readonly cfg: ClientConfig) {
    this.random = cfg.random ?? Math.random;
    this.setEndpoints(cfg.endpoints);
  }

  /** The endpoints in the order they will be tried (after the pinned one). */
  endpoints(): string[] {
    return this.eps.map(endpointString);
  }

  private setEndpoints(raw: string[]): void {
    if (raw.length === 0) throw new Error(ERR_NO_ENDPOINTS);
    this.eps = this.shuffle(raw.map(parseEndpoint));
    this.pinned = 0;
  }

  private shuffle<T>(xs: T[]): T[] {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /**
   * Sends `action` to the pinned endpoint, then the others in turn. A
   * one-shot request is tried once: a retry could apply it twice.
   */
  async do(ctx: Ctx, action: Action, opts: { oneShot?: boolean; wait?: boolean } = {}): Promise<HttpResponse> {
    const eps = [...this.eps];
    const n = eps.length;
    if (n === 0) throw new Error(ERR_NO_ENDPOINTS);
    const errors: Error[] = [];
    const start = this.pinned;
    for (let i = start; i < start + n; i++) {
      const k = i % n;
      let err: Error | undefined;
      let res: HttpResponse | undefined;
      try {
        res = await this.followRedirects(ctx, eps[k], action, opts.wait === true);
      } catch (e) {
        if (ctx.signal.aborted) throw ctx.error();
        if (!(e instanceof Error)) throw e;
        errors.push(e);
        err = e;
      }
      if (res && Math.floor(res.status / 100) === 5) {
        errors.push(
          res.status === 500 || res.status === 503
            ? new Error(`client: etcd member ${endpointString(eps[k])} has no leader`)
            : new Error(`client: etcd member ${endpointString(eps[k])} returns server error [${STATUS_TEXT[res.status] ?? ""}]`),
        );
        // Go's client reports the first error of the round here.
        err = errors[0];
      }
      if (err) {
        if (!opts.oneShot) continue;
        this.pinned = (k + 1) % n;
        throw err;
      }
      this.pinned = k;
      return res!;
    }
    throw new ClusterError(errors);
  }

  private async followRedirects(ctx: Ctx, ep: Endpoint, action: Action, wait: boolean): Promise<HttpResponse> {
    let req = action(ep);
    for (let hop = 0;; hop++) {
      if (hop > MAX_REDIRECTS) throw new Error("client: too many redirects");
      if (this.cfg.credentials) {
        const { username, password } = this.cfg.credentials;
        req.headers.authorization = "Basic " + btoa(`${username}:${password}`);
      }
      this.cfg.debug?.(`cURL Command: curl -X ${req.method} ${req.url}${req.body !== undefined ? ` -d ${quote(req.body)}` : ""}`);
      const res = await roundTrip(ctx, req, {
        headerTimeoutMs: wait ? 0 : this.cfg.headerTimeoutMs,
        onHeaderTimeout: () => new Error(`client: endpoint ${endpointString(ep)} exceeded header timeout`),
        tls: this.cfg.tls,
      });
      if (Math.floor(res.status / 100) !== 3) return res;
      const location = res.headers["location"];
      if (!location) throw new Error("location header not set");
      let next: URL;
      try {
        next = new URL(location, req.url);
      } catch {
        throw new Error(`location header not valid URL: ${location}`);
      }
      req = { ...action(ep), url: next.toString() };
    }
  }

  /**
   * Replaces the endpoints with every client URL the members publish
   * (GET /v2/members); keeps the current order when the set is unchanged.
   */
  async sync(ctx: Ctx): Promise<void> {
    const res = await this.do(ctx, (ep) => ({ method: "GET", url: membersUrl(ep), headers: {} }));
    if (res.status !== 200) throw new Error(`unexpected status code ${res.status}`);
    const urls = parseMemberList(res.body).flatMap((m) => m.clientURLs);
    if (urls.length === 0) throw new Error(ERR_NO_ENDPOINTS);
    const next = urls.map(parseEndpoint);
    const key = (eps: Endpoint[]) => eps.map(endpointString).sort().join("\n");
    if (key(next) === key(this.eps)) return;
    this.eps = this.shuffle(next);
    this.pinned = 0;
  }
}

/** /v2/members under an endpoint (path.Join of its path and the prefix). */
export function membersUrl(ep: Endpoint, suffix = ""): string {
  return endpointString({ ...ep, path: joinUrlPath(ep.path, "/v2/members", suffix) });
}

function joinUrlPath(...parts: string[]): string {
  const joined = parts.filter((p) => p !== "").join("/").replace(/\/+/g, "/");
  return joined.length > 1 && joined.endsWith("/") ? joined.slice(0, -1) : joined;
}

export interface MemberJson {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}

/** Reads a {"members": [...]} body the lenient way Go's decoder does. */
export function parseMemberList(body: string): MemberJson[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw new Error(goJsonSyntaxError(body, err));
  }
  const members = (parsed as { members?: unknown })?.members;
  if (!Array.isArray(members)) return [];
  return members.map(toMember);
}

export function toMember(m: unknown): MemberJson {
  const o = (m ?? {}) as Record<string, unknown>;
  const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  return { id: String(o.id ?? ""), name: String(o.name ?? ""), peerURLs: strings(o.peerURLs), clientURLs: strings(o.clientURLs) };
}

/** Roughly encoding/json's complaint about a body that is not JSON. */
export function goJsonSyntaxError(body: string, _err: unknown): string {
  if (body.trim() === "") return "unexpected end of JSON input";
  const first = body.trimStart()[0];
  return `invalid character '${first}' looking for beginning of value`;
}
