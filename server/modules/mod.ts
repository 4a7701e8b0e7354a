// The lock and leader election modules (/mod/v2/lock, /mod/v2/leader), as
// one Hono app to mount on the client API. Their state lives in the
// keyspace under /_etcd/mod/, so any member serves them.

import { Hono } from "hono";
import { leaderRoutes } from "./leader_routes.ts";
import { LockService, type ModulesBackend } from "./lock_service.ts";
import { lockRoutes } from "./lock_routes.ts";

export { LEADER_PATH } from "./leader_routes.ts";
export { LOCK_PATH } from "./lock_routes.ts";
export {
  type AcquireOptions,
  LockService,
  type ModulesBackend,
} from "./lock_service.ts";

/** Where lock queues live; clients cannot write under /_etcd through the keys API. */
export const LOCK_ROOT = "/_etcd/mod/lock";
export const LEADER_ROOT = "/_etcd/mod/leader";

export function moduleRoutes(
  backend: ModulesBackend,
  opts: { maxRequestBytes: number },
): Hono {
  const shared = {
    maxRequestBytes: opts.maxRequestBytes,
    clusterId: () => backend.clusterId,
  };
  const app = new Hono();
  app.route("/", lockRoutes(new LockService(backend, LOCK_ROOT), shared));
  app.route("/", leaderRoutes(new LockService(backend, LEADER_ROOT), shared));
  return app;
}
