// The v2 members API (/v2/members) as etcd's Go client uses it, plus the
// few extra reads that let etcdctl v3's `member list -w json` header be
// filled from the v2 API (cluster ID, answering member, raft term).

import { endpointString, parseGoUrl } from "../golang/url.ts";
import { type ClusterClient, goJsonSyntaxError, type MemberJson, membersUrl, parseMemberList, toMember } from "./cluster_client.ts";
import { type Ctx, MembersError } from "./errors.ts";
import type { HttpResponse } from "./transport.ts";

export type { MemberJson };

function expectStatus(res: HttpResponse, ...want: number[]): void {
  if (!want.includes(res.status)) throw new Error(`unexpected status code ${res.status}`);
}

function membersError(res: HttpResponse): MembersError {
  try {
    const parsed = JSON.parse(res.body) as { message?: unknown };
    return new MembersError(typeof parsed?.message === "string" ? parsed.message : "");
  } catch (err) {
    return new MembersError(goJsonSyntaxError(res.body, err));
  }
}

/** types.NewURLs: each URL must be http(s)://host:port with no path (or unix/unixs); sorted. */
export function validatePeerUrls(raw: string[]): string[] {
  if (raw.length === 0) throw new Error("no valid URLs given");
  const out: string[] = [];
  for (const s of raw) {
    const input = s.trim();
    const ep = parseGoUrl(input);
    if (ep.scheme === "http" || ep.scheme === "https") {
      if (!/^(\[[^\]]*\]|[^:\[\]]*):[^:]*$/.test(ep.host)) throw new Error(`URL address does not have the form "host:port": ${input}`);
      if (ep.path !== "") throw new Error(`URL must not contain a path: ${input}`);
    } else if (ep.scheme !== "unix" && ep.scheme !== "unixs") {
      throw new Error(`URL scheme must be http, https, unix, or unixs: ${input}`);
    }
    out.push(endpointString(ep));
  }
  return out.sort();
}

export interface ListHeader {
  /** Hex, as X-Etcd-Cluster-Id carries it ("" when absent). */
  clusterId: string;
  /** Hex ID of the member that answered ("" when unknown). */
  memberId: string;
  raftTerm: number;
}

export class MembersApi {
  constructor(private readonly client: ClusterClient) {}

  async list(ctx: Ctx): Promise<MemberJson[]> {
    return (await this.listWithHeaders(ctx)).members;
  }

  private async listWithHeaders(ctx: Ctx): Promise<{ members: MemberJson[]; clusterId: string }> {
    const res = await this.client.do(ctx, (ep) => ({ method: "GET", url: membersUrl(ep), headers: {} }));
    expectStatus(res, 200);
    return { members: parseMemberList(res.body), clusterId: res.headers["x-etcd-cluster-id"] ?? "" };
  }

  async add(ctx: Ctx, peerUrl: string): Promise<MemberJson> {
    return await this.addUrls(ctx, [peerUrl]);
  }

  async addUrls(ctx: Ctx, peerUrls: string[]): Promise<MemberJson> {
    const urls = validatePeerUrls(peerUrls);
    const body = JSON.stringify({ peerURLs: urls });
    const res = await this.client.do(ctx, (ep) => ({
      method: "POST",
      url: membersUrl(ep),
      headers: { "content-type": "application/json" },
      body,
    }));
    expectStatus(res, 201, 409);
    if (res.status !== 201) throw membersError(res);
    try {
      return toMember(JSON.parse(res.body));
    } catch (err) {
      throw new Error(goJsonSyntaxError(res.body, err));
    }
  }

  async remove(ctx: Ctx, id: string): Promise<void> {
    const res = await this.client.do(ctx, (ep) => ({ method: "DELETE", url: membersUrl(ep, id), headers: {} }));
    expectStatus(res, 204, 410);
  }

  async update(ctx: Ctx, id: string, peerUrls: string[]): Promise<void> {
    const urls = validatePeerUrls(peerUrls);
    const body = JSON.stringify({ peerURLs: urls });
    const res = await this.client.do(ctx, (ep) => ({
      method: "PUT",
      url: membersUrl(ep, id),
      headers: { "content-type": "application/json" },
      body,
    }));
    expectStatus(res, 204, 404, 409);
    if (res.status !== 204) throw membersError(res);
  }

  async leader(ctx: Ctx): Promise<MemberJson> {
    const res = await this.client.do(ctx, (ep) => ({ method: "GET", url: membersUrl(ep, "leader"), headers: {} }));
    expectStatus(res, 200);
    try {
      return toMember(JSON.parse(res.body));
    } catch (err) {
      throw new Error(goJsonSyntaxError(res.body, err));
    }
  }

  /**
   * The members plus what etcdctl v3 puts in a response header, read over
   * the v2 API: the cluster ID header, /v2/stats/self's id and the raft
   * term of a HEAD on the keyspace root, all from one endpoint.
   */
  async listForV3(ctx: Ctx): Promise<{ members: MemberJson[]; header: ListHeader }> {
    const listed = await this.listWithHeaders(ctx);
    const members = listed.members;
    let clusterId = listed.clusterId;
    let memberId = "";
    let raftTerm = 0;
    try {
      const self = await this.client.do(ctx, (ep) => ({ method: "GET", url: endpointString({ ...ep, path: ep.path.replace(/\/$/, "") + "/v2/stats/self" }), headers: {} }));
      if (self.status === 200) memberId = String((JSON.parse(self.body) as { id?: unknown }).id ?? "");
      const head = await this.client.do(ctx, (ep) => ({ method: "HEAD", url: endpointString({ ...ep, path: ep.path.replace(/\/$/, "") + "/v2/keys/" }), headers: {} }));
      raftTerm = Number(head.headers["x-raft-term"] ?? 0) || 0;
      // Not every server sends the cluster ID with the member list.
      clusterId ||= head.headers["x-etcd-cluster-id"] ?? "";
    } catch {
      // The header is decoration; the member list itself is what was asked for.
    }
    return { members, header: { clusterId, memberId, raftTerm } };
  }
}
