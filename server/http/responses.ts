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
  return answerResponse(jsonAnswer(body, status, headers));
}

/** A response as plain values, for handlers that serve more than one runtime. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string | null;
  /** The headers include the CORS ones (the cors middleware leaves the response alone). */
  cors: boolean;
}

/** A JSON body with etcd's trailing newline. */
export function jsonAnswer(body: unknown, status = 200, headers: Record<string, string> = {}): Answer {
  return { status, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) + "\n", cors: false };
}

export function textAnswer(body: string, status = 200, headers: Record<string, string> = {}): Answer {
  return { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...headers }, body, cors: false };
}

/** An etcd error: JSON body, its status, X-Etcd-Index, and the cluster ID when known. */
export function errorAnswer(err: EtcdError, clusterId?: string, extra?: Record<string, string> | null): Answer {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "X-Etcd-Index": String(err.index),
  };
  if (clusterId) headers["X-Etcd-Cluster-Id"] = clusterId;
  return { status: err.status, headers: extra ? { ...headers, ...extra } : headers, body: JSON.stringify(err) + "\n", cors: !!extra };
}

/** The web Response for an answer, with `body` in place of the answer's own when given. */
export function answerResponse(a: Answer, body: BodyInit | null = a.body): Response {
  const res = new Response(body, { status: a.status, headers: a.headers });
  if (a.cors) carriesCors.add(res);
  return res;
}

export function errorResponse(err: EtcdError, clusterId?: string, extra?: Record<string, string> | null): Response {
  return answerResponse(errorAnswer(err, clusterId, extra));
}

/** What an unexpected exception in a handler answers (etcd's 300 Raft Internal Error). */
export function internalErrorBody(err: unknown): string {
  return JSON.stringify({ errorCode: 300, message: "Raft Internal Error", cause: String((err as Error)?.message ?? err), index: 0 }) + "\n";
}

/** The 500 for an unexpected exception, logged. */
export function internalErrorAnswer(err: unknown): Answer {
  console.error("unhandled error:", err);
  return { status: 500, headers: { "Content-Type": "application/json" }, body: internalErrorBody(err), cors: false };
}

export function textResponse(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return answerResponse(textAnswer(body, status, headers));
}

/** Go's 405, with `extra` (CORS) headers when given. */
export function methodNotAllowedAnswer(allowed: string[], extra?: Record<string, string> | null): Answer {
  const headers = { "Content-Type": "text/plain; charset=utf-8", Allow: allowed.join(","), "X-Content-Type-Options": "nosniff" };
  return { status: 405, headers: extra ? { ...headers, ...extra } : headers, body: "Method Not Allowed\n", cors: !!extra };
}

export function methodNotAllowed(allowed: string[]): Response {
  return answerResponse(methodNotAllowedAnswer(allowed));
}

/** Turns anything thrown by a handler into an etcd error response. */
export function toEtcdError(err: unknown): EtcdError {
  if (err instanceof EtcdError) return err;
  return new EtcdError(300, (err as Error)?.message ?? String(err), 0);
}
