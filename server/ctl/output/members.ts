// etcdctl v3's member list output, built from the v2 API's hex IDs. The
// IDs are uint64s: they are converted as big integers and written as exact
// decimal digits (a JS number would round them).

import type { MemberJson } from "../client/members_api.ts";
import { goJsonObject, goJsonString, goJsonStrings } from "../golang/json.ts";

export interface MemberListHeader {
  /** Hex IDs as the v2 API gives them ("" when unknown). */
  clusterId: string;
  memberId: string;
  raftTerm: number;
}

/** A hex ID as a uint64 in decimal, or null when it is not one. */
export function hexToDecimal(hex: string): string | null {
  if (!/^[0-9a-fA-F]{1,16}$/.test(hex)) return null;
  return BigInt("0x" + hex).toString(10);
}

function hexDigits(hex: string): string {
  return /^[0-9a-fA-F]{1,16}$/.test(hex) ? BigInt("0x" + hex).toString(16) : hex;
}

/** `a3959071884acd0c, started, etcd-1, http://etcd-1:2380, http://etcd-1:2379, false` */
export function memberLine(m: MemberJson): string {
  const status = m.name === "" ? "unstarted" : "started";
  return [hexDigits(m.id), status, m.name, m.peerURLs.join(","), m.clientURLs.join(","), "false"].join(", ");
}

/**
 * `member list -w json`. Without --hex it is the protobuf response through
 * encoding/json (zero fields left out). With --hex it is what etcdctl's
 * hex printer writes, "clientURLS" spelling included, except that the raft
 * term stays decimal so the document remains valid JSON.
 */
export function marshalMemberList(h: MemberListHeader, members: MemberJson[], hex: boolean): string {
  if (hex) {
    const header = `{"cluster_id":${goJsonString(hexDigits(h.clusterId))},"member_id":${goJsonString(hexDigits(h.memberId))},"raft_term":${h.raftTerm}}`;
    const list = members.map((m) =>
      `{"ID":${goJsonString(hexDigits(m.id))},"name":${goJsonString(m.name)},"peerURLs":${goJsonStrings(m.peerURLs.length ? m.peerURLs : null)},"clientURLS":${
        goJsonStrings(m.clientURLs.length ? m.clientURLs : null)
      }}`
    );
    return `{"header":${header}${list.length ? `,"members":[${list.join(",")}]` : ""}}`;
  }
  const headerFields: Array<[string, string]> = [];
  const cid = hexToDecimal(h.clusterId);
  const mid = hexToDecimal(h.memberId);
  if (cid && cid !== "0") headerFields.push(["cluster_id", cid]);
  if (mid && mid !== "0") headerFields.push(["member_id", mid]);
  if (h.raftTerm) headerFields.push(["raft_term", String(h.raftTerm)]);
  const fields: Array<[string, string]> = [["header", goJsonObject(headerFields)]];
  if (members.length) {
    fields.push([
      "members",
      "[" + members.map((m) => {
        const f: Array<[string, string]> = [];
        const id = hexToDecimal(m.id);
        if (id && id !== "0") f.push(["ID", id]);
        if (m.name) f.push(["name", goJsonString(m.name)]);
        if (m.peerURLs.length) f.push(["peerURLs", goJsonStrings(m.peerURLs)]);
        if (m.clientURLs.length) f.push(["clientURLs", goJsonStrings(m.clientURLs)]);
        return goJsonObject(f);
      }).join(",") + "]",
    ]);
  }
  return goJsonObject(fields);
}
