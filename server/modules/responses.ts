// Answers of the lock and leader modules: plain text on success (an index,
// a value, or nothing), etcd's JSON errors otherwise.

import {
  errorResponse,
  jsonResponse,
  methodNotAllowed as notAllowed,
  toEtcdError,
} from "../http/responses.ts";

export interface ModuleOptions {
  maxRequestBytes: number;
  /** Read per request: the cluster ID is only known once the member has joined. */
  clusterId: () => string;
}

export function text(body: string, status = 200): Response {
  return new Response(body, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}

export function errorOf(err: unknown, clusterId: string): Response {
  return errorResponse(toEtcdError(err), clusterId);
}

export function methodNotAllowed(): Response {
  return notAllowed(["GET", "HEAD", "POST", "PUT", "DELETE"]);
}

/** A module path without a lock name is no resource at all. */
export function noName(): Response {
  return jsonResponse({ message: "404 page not found" }, 404);
}
