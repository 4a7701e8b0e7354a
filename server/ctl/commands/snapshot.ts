// `snapshot save FILE` and `snapshot restore FILE …`, the etcdctl v3
// commands of seed 002's disaster recovery, over our API: save fetches a
// consistent image from a member (GET /v2/snapshot); restore writes a fresh
// data dir for one member of a new cluster.

import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { BackupError, parseBackup, restoreBackup } from "../../cluster/backup.ts";
import { parseInitialCluster } from "../../config/cluster.ts";
import { ConfigError } from "../../config/errors.ts";
import { type Command, type CommandContext, stringFlag } from "../cli/command.ts";
import { exit, V3ExitBadArgs, V3ExitError } from "../cli/exit.ts";
import { endpointList } from "../session.ts";
import { withDeadline } from "../../runtime/deadline.ts";

function fail(ctx: CommandContext, code: number, message: string): never {
  ctx.env.out.eprintln(`Error: ${message}`);
  exit(code);
}

async function save(ctx: CommandContext): Promise<void> {
  if (ctx.args.length !== 1) fail(ctx, V3ExitBadArgs, "snapshot save expects one argument");
  const file = ctx.args[0];
  const errors: string[] = [];
  // Snapshots can be big: 2 minutes per member unless --command-timeout (or --total-timeout) says otherwise.
  const g = ctx.global;
  const flag = g.set.has("command-timeout") ? "command-timeout" : g.set.has("total-timeout") ? "total-timeout" : "";
  const deadlineMs = flag ? Number(g.values.get(flag)) : 120_000;
  // A snapshot comes from one member, as with etcdctl; try them in order.
  for (const ep of endpointList(ctx.global, ctx.env.env)) {
    try {
      // withDeadline, not AbortSignal.timeout: on Node a fetch whose connection
      // is closed unanswered can stay pending with nothing keeping the process
      // up, and it would exit 0 having saved nothing.
      const { res, text } = await withDeadline(deadlineMs, async (signal) => {
        const res = await fetch(ep.replace(/\/$/, "") + "/v2/snapshot", { signal });
        return { res, text: await res.text() };
      });
      if (!res.ok) throw new Error(`${res.status} ${text.trim()}`);
      parseBackup(text); // refuse to write anything that would not restore
      writeFileSync(file + ".part", text);
      renameSync(file + ".part", file);
      ctx.env.out.println(`Snapshot saved at ${file}`);
      return;
    } catch (err) {
      errors.push(`${ep}: ${(err as Error).message}`);
    }
  }
  fail(ctx, V3ExitError, `could not save a snapshot: ${errors.join("; ")}`);
}

async function restore(ctx: CommandContext): Promise<void> {
  if (ctx.args.length !== 1) fail(ctx, V3ExitBadArgs, "snapshot restore requires exactly one argument");
  const name = stringFlag(ctx.flags, "name") || "default";
  const dataDir = stringFlag(ctx.flags, "data-dir") || `${name}.etcd`;
  const peerUrls = (stringFlag(ctx.flags, "initial-advertise-peer-urls") || "http://localhost:2380").split(",");
  const initial = stringFlag(ctx.flags, "initial-cluster") || `${name}=${peerUrls.join(`,${name}=`)}`;
  const token = stringFlag(ctx.flags, "initial-cluster-token") || "etcd-cluster";
  let text: string;
  try {
    text = readFileSync(ctx.args[0], "utf8");
  } catch (err) {
    fail(ctx, V3ExitError, `cannot read snapshot ${ctx.args[0]}: ${(err as Error).message}`);
  }
  try {
    const cluster = parseInitialCluster(initial.split(","), "--initial-cluster");
    const mine = cluster.find((m) => m.name === name);
    if (mine && mine.peerUrls.slice().sort().join(",") !== peerUrls.slice().sort().join(",")) {
      fail(ctx, V3ExitError, `--initial-cluster has ${name}=${mine.peerUrls.join(",")} but --initial-advertise-peer-urls is ${peerUrls.join(",")}`);
    }
    const r = await restoreBackup(parseBackup(text), { name, dataDir, initialCluster: cluster, initialClusterToken: token });
    ctx.env.out.println(`restored snapshot ${ctx.args[0]} into ${dataDir} as member ${r.memberId} of new cluster ${r.clusterId}`);
  } catch (err) {
    if (err instanceof BackupError || err instanceof ConfigError) fail(ctx, V3ExitError, err.message);
    throw err;
  }
}

export const snapshotCommand: Command = {
  name: "snapshot",
  usage: "Manages etcd node snapshots",
  subcommands: [
    { name: "save", usage: "Stores an etcd node backend snapshot to a given file", argsUsage: "<filename>", action: save },
    {
      name: "restore",
      usage: "Restores an etcd member snapshot to an etcd directory",
      argsUsage: "<filename> [options]",
      flags: [
        { names: ["name"], kind: "string", usage: "Human-readable name for this member" },
        { names: ["data-dir"], kind: "string", usage: "Path to the data directory (default: <name>.etcd)" },
        { names: ["initial-cluster"], kind: "string", usage: "Initial cluster configuration for restore bootstrap" },
        { names: ["initial-cluster-token"], kind: "string", usage: "Initial cluster token for the etcd cluster during restore bootstrap" },
        { names: ["initial-advertise-peer-urls"], kind: "string", usage: "List of this member's peer URLs to advertise to the rest of the cluster" },
      ],
      action: restore,
    },
  ],
};
