// What every module endpoint does around its own logic: refuse unknown
// methods, parse the name and form, refuse an empty name, and turn errors
// (and clients that hung up) into answers.

import { Hono } from "hono";
import { ClientGoneError } from "./lock_service.ts";
import { type ModuleRequest, readModuleRequest } from "./params.ts";
import {
  errorOf,
  methodNotAllowed,
  type ModuleOptions,
  noName,
  text,
} from "./responses.ts";

const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE"];

export function moduleRoute(
  path: string,
  opts: ModuleOptions,
  handle: (req: Request, r: ModuleRequest) => Promise<Response>,
): Hono {
  const app = new Hono();
  app.all(`${path}/*`, async (c) => {
    const req = c.req.raw;
    const clusterId = opts.clusterId();
    try {
      if (!METHODS.includes(req.method)) return methodNotAllowed();
      const r = await readModuleRequest(req, path, opts.maxRequestBytes);
      if (r.name === "/") return noName();
      return await handle(req, r);
    } catch (err) {
      if (err instanceof ClientGoneError) return text("", 499);
      return errorOf(err, clusterId);
    }
  });
  return app;
}
