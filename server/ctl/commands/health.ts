// `cluster-health`: lists the members (without syncing), asks each one's
// client URLs for /health, prints one line per member and a verdict:
// healthy (exit 0), degraded or unavailable (exit 5).

import { background, withTimeout } from "../client/errors.ts";
import { MembersApi } from "../client/members_api.ts";
import { roundTrip } from "../client/transport.ts";
import { boolFlag, type Command, type CommandContext } from "../cli/command.ts";
import { exit, ExitClusterNotHealthy, ExitServerError, ExitSuccess } from "../cli/exit.ts";
import { Session } from "../session.ts";

const RECHECK_MS = 10_000;

type Verdict = { kind: "healthy" } | { kind: "unhealthy" } | { kind: "failed"; reason: string };

/** Reads {"health": "true"} (or a JSON boolean) the way etcdctl does. */
export function readHealth(body: string): Verdict {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const first = body.trimStart()[0];
    return { kind: "failed", reason: first === undefined ? "unexpected end of JSON input" : `invalid character '${first}' looking for beginning of value` };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { kind: "failed", reason: `json: cannot unmarshal ${Array.isArray(parsed) ? "array" : typeof parsed} into Go value of type struct { Health bool }` };
  }
  // Go matches the field name case-insensitively.
  const entry = Object.entries(parsed as Record<string, unknown>).find(([k]) => k.toLowerCase() === "health");
  const v = entry?.[1];
  if (v === "true" || v === true) return { kind: "healthy" };
  return { kind: "unhealthy" };
}

async function checkMember(s: Session, ctx: CommandContext, url: string): Promise<Verdict> {
  const { ctx: c, cancel } = withTimeout(background(ctx.env.interrupt), s.totalTimeoutMs());
  const target = url + "/health";
  try {
    const res = await roundTrip(c, { method: "GET", url: target, headers: {} }, {
      headerTimeoutMs: 0,
      onHeaderTimeout: () => new Error("timeout"),
      tls: s.tlsFiles(),
    });
    return readHealth(res.body);
  } catch (err) {
    return { kind: "failed", reason: `Get ${JSON.stringify(target)}: ${(err as Error).message}` };
  } finally {
    cancel();
  }
}

async function clusterHealth(ctx: CommandContext): Promise<void> {
  const s: Session = new Session(ctx);
  const forever = boolFlag(ctx.flags, "forever");
  const members = new MembersApi(s.clientNoSync());
  let list;
  try {
    list = await members.list(background(ctx.env.interrupt));
  } catch (err) {
    s.out.println("cluster may be unhealthy: failed to list members");
    s.fail(ExitServerError, err);
  }
  for (;;) {
    let healthy = 0;
    for (const m of list) {
      if (m.clientURLs.length === 0) {
        s.out.println(`member ${m.id} is unreachable: no available published client urls`);
        continue;
      }
      let checked = false;
      for (const url of m.clientURLs) {
        const v = await checkMember(s, ctx, url);
        if (v.kind === "failed") {
          s.out.println(`failed to check the health of member ${m.id} on ${url}: ${v.reason}`);
          continue;
        }
        checked = true;
        if (v.kind === "healthy") {
          healthy++;
          s.out.println(`member ${m.id} is healthy: got healthy result from ${url}`);
        } else {
          s.out.println(`member ${m.id} is unhealthy: got unhealthy result from ${url}`);
        }
        break;
      }
      if (!checked) s.out.println(`member ${m.id} is unreachable: [${m.clientURLs.join(" ")}] are all unreachable`);
    }
    if (healthy === list.length) s.out.println("cluster is healthy");
    else if (healthy === 0) s.out.println("cluster is unavailable");
    else s.out.println("cluster is degraded");
    if (!forever) exit(healthy === list.length ? ExitSuccess : ExitClusterNotHealthy);
    s.out.print("\nnext check after 10 second...\n\n");
    const interrupted = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), RECHECK_MS);
      ctx.env.interrupt.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve(true);
      }, { once: true });
    });
    if (interrupted) exit(ExitSuccess);
  }
}

export const healthCommand: Command = {
  name: "cluster-health",
  usage: "check the health of the etcd cluster",
  argsUsage: " ",
  flags: [{ names: ["forever", "f"], kind: "bool", usage: "forever check the health every 10 second until CTRL+C" }],
  action: clusterHealth,
};
