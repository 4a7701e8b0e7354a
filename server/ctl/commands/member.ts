// `member list|add|remove|update`, in etcdctl v2's words, and in etcdctl
// v3's where a v3 form is used (ETCDCTL_API=3, -w/--write-out, --hex or
// --peer-urls): the seeds drive clusters with both.

import type { Ctx } from "../client/errors.ts";
import type { MemberJson } from "../client/members_api.ts";
import { boolFlag, type Command, type CommandContext, stringFlag } from "../cli/command.ts";
import { exit, ExitBadArgs, V3ExitBadArgs, V3ExitError } from "../cli/exit.ts";
import type { FlagSpec } from "../golang/flags.ts";
import { NumError, parseHexUint64, quote } from "../golang/strconv.ts";
import { marshalMemberList, type MemberListHeader, memberLine } from "../output/members.ts";
import { Session } from "../session.ts";

/** v3 forms accepted after `member list` (hidden from v2 help). */
const writeOutFlags: FlagSpec[] = [
  { names: ["write-out", "w"], kind: "string", usage: "set the output format (simple, json)", hidden: true },
  { names: ["hex"], kind: "bool", usage: "print byte strings as hex encoded strings", hidden: true },
];
const peerUrlsFlag: FlagSpec = { names: ["peer-urls"], kind: "string", usage: "comma separated peer URLs", hidden: true };

/** Print a v2 members API failure and exit 1 (etcdctl prints err.Error() as is). */
function failPlain(s: Session, err: unknown, prefix = ""): never {
  s.out.eprintln(prefix + (err instanceof Error ? err.message : String(err)));
  exit(ExitBadArgs);
}

/** etcdctl v3's ExitWithError. */
function failV3(s: Session, code: number, err: unknown): never {
  s.out.eprintln(`Error: ${err instanceof Error ? err.message : String(err)}`);
  exit(code);
}

async function withTimeout<T>(s: Session, fn: (c: Ctx) => Promise<T>): Promise<T> {
  const { ctx, cancel } = s.withTotalTimeout();
  try {
    return await fn(ctx);
  } finally {
    cancel();
  }
}

/** `%16x`: lower-case hex, right-aligned in 16 columns. */
function hex16(id: string): string {
  return hexId(id).padStart(16, " ");
}

/** An ID from the v2 API, written as Go's %x writes the uint64. */
function hexId(id: string): string {
  try {
    return parseHexUint64(id).toString(16);
  } catch {
    return id;
  }
}

function isV3List(ctx: CommandContext): boolean {
  return ctx.env.api === "3" || ctx.flags.set.has("write-out") || ctx.flags.set.has("hex") ||
    ctx.global.set.has("write-out") || ctx.global.set.has("hex");
}

function writeOut(ctx: CommandContext): string {
  return stringFlag(ctx.flags, "write-out") || stringFlag(ctx.global, "write-out") || "simple";
}

async function listV2(s: Session, ctx: CommandContext): Promise<void> {
  if (ctx.args.length !== 0) {
    s.out.eprintln("No arguments accepted");
    exit(ExitBadArgs);
  }
  const api = await s.members();
  await withTimeout(s, async (c) => {
    let members: MemberJson[];
    try {
      members = await api.list(c);
    } catch (err) {
      failPlain(s, err);
    }
    let leader: MemberJson;
    try {
      leader = await api.leader(c);
    } catch (err) {
      failPlain(s, err, "Failed to get leader:  ");
    }
    for (const m of members) {
      if (m.name === "") s.out.println(`${m.id}[unstarted]: peerURLs=${m.peerURLs.join(",")}`);
      else {
        s.out.println(
          `${m.id}: name=${m.name} peerURLs=${m.peerURLs.join(",")} clientURLs=${m.clientURLs.join(",")} isLeader=${m.id === leader.id}`,
        );
      }
    }
  });
}

async function listV3(s: Session, ctx: CommandContext): Promise<void> {
  const format = writeOut(ctx);
  if (format !== "simple" && format !== "json") failV3(s, V3ExitBadArgs, new Error(`unsupported output format ${quote(format)} (simple or json)`));
  const api = await s.members();
  const { members, header } = await withTimeout(s, (c) => api.listForV3(c)).catch((err) => failV3(s, V3ExitError, err));
  if (format === "json") {
    const h: MemberListHeader = { clusterId: header.clusterId, memberId: header.memberId, raftTerm: header.raftTerm };
    s.out.println(marshalMemberList(h, members, boolFlag(ctx.flags, "hex") || boolFlag(ctx.global, "hex")));
    return;
  }
  for (const m of members) s.out.println(memberLine(m));
}

async function addV2(s: Session, ctx: CommandContext): Promise<void> {
  if (ctx.args.length !== 2) {
    s.out.eprintln("Provide a name and a single member peerURL");
    exit(ExitBadArgs);
  }
  const api = await s.members();
  const [name, url] = ctx.args;
  await withTimeout(s, async (c) => {
    let added: MemberJson;
    try {
      added = await api.add(c, url);
    } catch (err) {
      failPlain(s, err);
    }
    s.out.println(`Added member named ${name} with ID ${added.id} to cluster`);
    let members: MemberJson[];
    try {
      members = await api.list(c);
    } catch (err) {
      failPlain(s, err);
    }
    s.out.print("\n");
    s.out.println(`ETCD_NAME=${quote(name)}`);
    s.out.println(`ETCD_INITIAL_CLUSTER=${quote(initialCluster(members, added.id, name))}`);
    s.out.println(`ETCD_INITIAL_CLUSTER_STATE="existing"`);
  });
}

/** name=peerURL for every member and URL; the new member under the name given. */
function initialCluster(members: MemberJson[], newId: string, newName: string): string {
  return members.flatMap((m) => m.peerURLs.map((u) => `${m.id === newId ? newName : m.name}=${u}`)).join(",");
}

async function addV3(s: Session, ctx: CommandContext): Promise<void> {
  if (ctx.args.length < 1) failV3(s, V3ExitBadArgs, new Error("member name not provided"));
  if (ctx.args.length > 1) failV3(s, V3ExitBadArgs, new Error("too many arguments"));
  const urls = stringFlag(ctx.flags, "peer-urls");
  if (urls === "") failV3(s, V3ExitBadArgs, new Error("member peer urls not provided"));
  const name = ctx.args[0];
  const api = await s.members();
  await withTimeout(s, async (c) => {
    const added = await api.addUrls(c, urls.split(",")).catch((err) => failV3(s, V3ExitError, err));
    const { members, header } = await api.listForV3(c).catch((err) => failV3(s, V3ExitError, err));
    s.out.println(`Member ${hex16(added.id)} added to cluster ${hex16(header.clusterId)}`);
    s.out.print("\n");
    s.out.println(`ETCD_NAME=${quote(name)}`);
    s.out.println(`ETCD_INITIAL_CLUSTER=${quote(initialCluster(members, added.id, name))}`);
    s.out.println(`ETCD_INITIAL_ADVERTISE_PEER_URLS=${quote(added.peerURLs.join(","))}`);
    s.out.println(`ETCD_INITIAL_CLUSTER_STATE="existing"`);
  });
}

async function removeV2(s: Session, ctx: CommandContext): Promise<void> {
  if (ctx.args.length !== 1) {
    s.out.eprintln("Provide a single member ID");
    exit(ExitBadArgs);
  }
  const id = ctx.args[0];
  const api = await s.members();
  await withTimeout(s, async (c) => {
    let members: MemberJson[];
    try {
      members = await api.list(c);
    } catch (err) {
      failPlain(s, err, "Error while verifying ID against known members: ");
    }
    let found = false;
    for (const m of members) {
      if (m.id === id) found = true;
      if (m.name === id) {
        s.out.eprint(`Found a member named ${m.name}; if this is correct, please use its ID, eg:\n\tetcdctl member remove ${m.id}\n`);
        s.out.eprint(
          "For more details, read the documentation at https://github.com/etcd-io/etcd/blob/master/Documentation/runtime-configuration.md#remove-a-member\n\n",
        );
      }
    }
    if (!found) {
      s.out.eprintln(`Couldn't find a member in the cluster with an ID of ${id}.`);
      exit(ExitBadArgs);
    }
    try {
      await api.remove(c, id);
    } catch (err) {
      s.out.eprint(`Received an error trying to remove member ${id}: ${(err as Error).message}`);
      exit(ExitBadArgs);
    }
    s.out.println(`Removed member ${id} from cluster`);
  });
}

/** The v3 form of an ID argument: hex, as uint64. */
function v3MemberId(s: Session, ctx: CommandContext, what: string): string {
  if (ctx.args.length !== 1) failV3(s, V3ExitBadArgs, new Error(`member ID is not provided`));
  try {
    return parseHexUint64(ctx.args[0]).toString(16);
  } catch (err) {
    if (!(err instanceof NumError)) throw err;
    failV3(s, V3ExitBadArgs, new Error(`bad member ID arg (${err.message}), expecting ID in Hex${what}`));
  }
}

async function removeV3(s: Session, ctx: CommandContext): Promise<void> {
  const id = v3MemberId(s, ctx, "");
  const api = await s.members();
  await withTimeout(s, async (c) => {
    await api.remove(c, id).catch((err) => failV3(s, V3ExitError, err));
    const { header } = await api.listForV3(c).catch((err) => failV3(s, V3ExitError, err));
    s.out.println(`Member ${hex16(id)} removed from cluster ${hex16(header.clusterId)}`);
  });
}

async function updateV2(s: Session, ctx: CommandContext): Promise<void> {
  if (ctx.args.length !== 2) {
    s.out.eprintln("Provide an ID and a list of comma separated peerURL (0xabcd http://example.com,http://example1.com)");
    exit(ExitBadArgs);
  }
  const [id, urls] = ctx.args;
  const api = await s.members();
  await withTimeout(s, async (c) => {
    try {
      await api.update(c, id, urls.split(","));
    } catch (err) {
      failPlain(s, err);
    }
  });
  s.out.println(`Updated member with ID ${id} in cluster`);
}

async function updateV3(s: Session, ctx: CommandContext): Promise<void> {
  const id = v3MemberId(s, ctx, "");
  const urls = stringFlag(ctx.flags, "peer-urls");
  if (urls === "") failV3(s, V3ExitBadArgs, new Error("member peer urls not provided"));
  const api = await s.members();
  await withTimeout(s, async (c) => {
    await api.update(c, id, urls.split(",")).catch((err) => failV3(s, V3ExitError, err));
    const { header } = await api.listForV3(c).catch((err) => failV3(s, V3ExitError, err));
    s.out.println(`Member ${hex16(id)} updated in cluster ${hex16(header.clusterId)}`);
  });
}

export const memberCommand: Command = {
  name: "member",
  usage: "member add, remove and list subcommands",
  subcommands: [
    {
      name: "list",
      usage: "enumerate existing cluster members",
      argsUsage: " ",
      flags: writeOutFlags,
      action: (ctx) => (isV3List(ctx) ? listV3(new Session(ctx), ctx) : listV2(new Session(ctx), ctx)),
    },
    {
      name: "add",
      usage: "add a new member to the etcd cluster",
      argsUsage: "<name> <peerURL>",
      flags: [peerUrlsFlag],
      action: (ctx) => {
        const s: Session = new Session(ctx);
        const v3 = ctx.flags.set.has("peer-urls") || (ctx.env.api === "3" && ctx.args.length !== 2);
        return v3 ? addV3(s, ctx) : addV2(s, ctx);
      },
    },
    {
      name: "remove",
      usage: "remove an existing member from the etcd cluster",
      argsUsage: "<memberID>",
      action: (ctx) => (ctx.env.api === "3" ? removeV3(new Session(ctx), ctx) : removeV2(new Session(ctx), ctx)),
    },
    {
      name: "update",
      usage: "update an existing member in the etcd cluster",
      argsUsage: "<memberID> <peerURLs>",
      flags: [peerUrlsFlag],
      action: (ctx) => {
        const s: Session = new Session(ctx);
        const v3 = ctx.flags.set.has("peer-urls") || (ctx.env.api === "3" && ctx.args.length !== 2);
        return v3 ? updateV3(s, ctx) : updateV2(s, ctx);
      },
    },
  ],
};
