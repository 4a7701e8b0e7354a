// How etcdctl v2 prints a keys response: `simple` (the value), `extended`
// (RFC 2822-style headers, then the value) and `json` (Go's json.Marshal of
// the client's Response, so field order and escaping follow Go).

import type { KeyNode, KeysResponse } from "../client/keys_api.ts";
import { goJsonObject, goJsonString } from "../golang/json.ts";
import type { Output } from "./output.ts";

export type Format = "simple" | "extended" | "json" | string;

/** time.Time's JSON form is RFC 3339 with trailing zeros of the fraction dropped. */
function goTime(t: string): string {
  return t.replace(/\.(\d+)(?=Z|[+-]\d\d:\d\d$)/, (_m, frac: string) => {
    const trimmed = frac.replace(/0+$/, "");
    return trimmed ? "." + trimmed : "";
  });
}

export function marshalNode(n: KeyNode | null): string {
  if (n === null) return "null";
  const fields: Array<[string, string]> = [["key", goJsonString(n.key)]];
  if (n.dir) fields.push(["dir", "true"]);
  fields.push(["value", goJsonString(n.value)]);
  fields.push(["nodes", n.nodes === null ? "null" : "[" + n.nodes.map(marshalNode).join(",") + "]"]);
  fields.push(["createdIndex", String(n.createdIndex)]);
  fields.push(["modifiedIndex", String(n.modifiedIndex)]);
  if (n.expiration !== null) fields.push(["expiration", goJsonString(goTime(n.expiration))]);
  if (n.ttl !== 0) fields.push(["ttl", String(n.ttl)]);
  return goJsonObject(fields);
}

export function marshalResponse(r: KeysResponse): string {
  return goJsonObject([["action", goJsonString(r.action)], ["node", marshalNode(r.node)], ["prevNode", marshalNode(r.prevNode)]]);
}

/** What a nil *Node dereference does to a Go program. */
export class NilNodePanic extends Error {
  constructor() {
    super("panic: runtime error: invalid memory address or nil pointer dereference");
  }
}

/** printResponseKey from etcdctl. */
export function printResponseKey(out: Output, r: KeysResponse, format: Format): void {
  const node = r.node;
  switch (format) {
    case "simple":
      if (r.action !== "delete") {
        if (!node) throw new NilNodePanic();
        out.println(node.value);
      } else {
        if (!r.prevNode) throw new NilNodePanic();
        out.println(`PrevNode.Value: ${r.prevNode.value}`);
      }
      return;
    case "extended":
      if (!node) throw new NilNodePanic();
      out.println(`Key: ${node.key}`);
      out.println(`Created-Index: ${node.createdIndex}`);
      out.println(`Modified-Index: ${node.modifiedIndex}`);
      if (r.prevNode) out.println(`PrevNode.Value: ${r.prevNode.value}`);
      out.println(`TTL: ${node.ttl}`);
      out.println(`Index: ${r.index}`);
      if (r.action !== "delete") {
        out.println("");
        out.println(node.value);
      }
      return;
    case "json":
      out.println(marshalResponse(r));
      return;
    default:
      out.eprintln(`Unsupported output format: ${format}`);
  }
}
