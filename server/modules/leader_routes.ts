// /mod/v2/leader/<key>: etcd 0.2's leader election module, a lock whose
// queue entries are candidate names.
//   POST|PUT ?ttl=N&name=X[&timeout=S]  become (or stay) leader: blocks while
//                                       another name leads; answers the index.
//                                       Reissue it to renew the TTL.
//   GET                                 the leader's name; empty if none
//   DELETE ?name=X                      step down, or withdraw a candidacy
//   POST ?name=X (no ttl)               the same as DELETE (the form 0.2's README shows)
// etcd 0.2's code took PUT to set; its README shows POST: both work.

import type { Hono } from "hono";
import { Code, EtcdError } from "../store/errors.ts";
import type { LockService } from "./lock_service.ts";
import { moduleRoute } from "./module_route.ts";
import { has, timeoutOf, ttlOf, value } from "./params.ts";
import { type ModuleOptions, text } from "./responses.ts";

export const LEADER_PATH = "/mod/v2/leader";

export function leaderRoutes(leaders: LockService, opts: ModuleOptions): Hono {
  return moduleRoute(LEADER_PATH, opts, async (req, { name: key, form }) => {
    if (req.method === "GET" || req.method === "HEAD") {
      const holder = await leaders.holder(key);
      return text(req.method === "HEAD" ? "" : holder?.value ?? "");
    }
    const removing = req.method === "DELETE" ||
      (req.method === "POST" && !has(form, "ttl"));
    const op = removing ? "Delete" : "Set";
    const name = value(form, "name");
    if (name === "") throw new EtcdError(Code.NameRequired, op);
    if (removing) {
      await leaders.release(key, { value: name }, op);
      return text("");
    }
    const timeout = timeoutOf(form, op);
    const ttl = ttlOf(form, op);
    const index = await leaders.acquire(key, {
      value: name,
      ttl,
      timeout,
      signal: req.signal,
    });
    return text(String(index));
  });
}
