// /mod/v2/lock/<name>: etcd 0.2's lock module API.
//   POST   ?ttl=N[&value=V][&timeout=S]  acquire (blocks); answers the lock index
//   PUT    ?ttl=N&(index=I|value=V)      renew the TTL
//   GET    [?field=index|value]          the holder's value (or index); empty if free
//   DELETE ?(index=I|value=V)            release, or leave the queue

import type { Hono } from "hono";
import { Code, EtcdError } from "../store/errors.ts";
import type { LockService } from "./lock_service.ts";
import { moduleRoute } from "./module_route.ts";
import { selectorOf, timeoutOf, ttlOf, value } from "./params.ts";
import { type ModuleOptions, text } from "./responses.ts";

export const LOCK_PATH = "/mod/v2/lock";

/** How a holder without a value shows in GET (etcd 0.2 stored "-" for it). */
export const NO_VALUE = "-";

export function lockRoutes(locks: LockService, opts: ModuleOptions): Hono {
  return moduleRoute(LOCK_PATH, opts, async (req, { name, form }) => {
    switch (req.method) {
      case "GET":
      case "HEAD": {
        const field = value(form, "field") || "value";
        if (field !== "index" && field !== "value") {
          throw new EtcdError(Code.InvalidField, "Get");
        }
        const holder = await locks.holder(name);
        const body = !holder
          ? ""
          : field === "index"
          ? String(holder.index)
          : holder.value || NO_VALUE;
        return text(req.method === "HEAD" ? "" : body);
      }
      case "POST": {
        const timeout = timeoutOf(form, "Acquire");
        const ttl = ttlOf(form, "Acquire");
        const index = await locks.acquire(name, {
          value: value(form, "value"),
          ttl,
          timeout,
          signal: req.signal,
        });
        return text(String(index));
      }
      case "PUT": {
        const ttl = ttlOf(form, "Renew");
        await locks.renew(name, selectorOf(form, "Renew"), ttl);
        return text("");
      }
      default: {
        await locks.release(name, selectorOf(form, "Release"));
        return text("");
      }
    }
  });
}
