// Building etcd-shaped HTTP responses: JSON bodies with a trailing newline
// and the X-Etcd-* / X-Raft-* headers clients read.

import { EtcdError } from "../store/errors.ts";

export interface RaftHeaders {
  clusterId: string;
  raftIndex: number;
  raftTerm: number;
}

/** Responses built with their CORS headers already in (the cors middleware leaves them alone). */
export const carriesCors = new WeakSet<Response>();

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body) + "\n", {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

/** An etcd error: JSON body, its status, X-Etcd-Index, and the cluster ID when known. */
export function errorResponse(err: EtcdError, clusterId?: string, extra?: Record<string, string> | null): Response {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "X-Etcd-Index": String(err.index),
  };
  if (clusterId) headers["X-Etcd-Cluster-Id"] = clusterId;
  const res = new Response(JSON.stringify(err) + "\n", { status: err.status, headers: extra ? { ...headers, ...extra } : headers });
  if (extra) carriesCors.add(res);
  return res;
}

export function textResponse(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...headers } });
}

export function methodNotAllowed(allowed: string[]): Response {
  return textResponse("Method Not Allowed\n", 405, { Allow: allowed.join(","), "X-Content-Type-Options": "nosniff" });
}

/** Turns anything thrown by a handler into an etcd error response. */
export function toEtcdError(err: unknown): EtcdError {
  if (err instanceof EtcdError) return err;
  return new EtcdError(300, (err as Error)?.message ?? String(err), 0);
}
