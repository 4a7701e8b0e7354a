// etcdctl v2's keyspace commands: set, mk, update, get, rm, rmdir, mkdir,
// setdir, updatedir, ls. Each reads its arguments, makes one request and
// prints the answer in the chosen output format.

import type { KeyNode, KeysResponse, PrevExist } from "../client/keys_api.ts";
import { boolFlag, type Command, type CommandContext, intFlag, stringFlag } from "../cli/command.ts";
import { exit, ExitBadArgs, ExitServerError } from "../cli/exit.ts";
import type { FlagSpec } from "../golang/flags.ts";
import { printResponseKey } from "../output/response.ts";
import { Session } from "../session.ts";

const ttlFlag: FlagSpec = { names: ["ttl"], kind: "int", usage: "key time-to-live in seconds", value: 0 };
const sortFlag: FlagSpec = { names: ["sort"], kind: "bool", usage: "returns result in sorted order" };
const quorumFlag: FlagSpec = { names: ["quorum", "q"], kind: "bool", usage: "require quorum for get request" };

/** The key, or "key required" (exit 1). */
function requireKey(s: Session, ctx: CommandContext): string {
  if (ctx.args.length === 0) s.fail(ExitBadArgs, new Error("key required"));
  return ctx.args[0];
}

/** argOrStdin: the second argument, else all of standard input (which must not be empty). */
async function requireValue(s: Session, ctx: CommandContext): Promise<string> {
  if (ctx.args.length > 1) return ctx.args[1];
  const input = await ctx.env.readStdin().catch(() => "");
  if (input === "") s.fail(ExitBadArgs, new Error("value required"));
  return input;
}

/** Runs one request under --total-timeout; a failure exits 4 with etcdctl's message. */
async function request(s: Session, fn: (ctx: ReturnType<Session["withTotalTimeout"]>["ctx"]) => Promise<KeysResponse>): Promise<KeysResponse> {
  const { ctx, cancel } = s.withTotalTimeout();
  try {
    return await fn(ctx);
  } catch (err) {
    s.fail(ExitServerError, err);
  } finally {
    cancel();
  }
}

async function setLike(ctx: CommandContext, prevExist: PrevExist, withCompare: boolean): Promise<void> {
  const s: Session = new Session(ctx);
  const keys = await s.keys();
  const key = requireKey(s, ctx);
  const value = await requireValue(s, ctx);
  const resp = await request(s, (c) =>
    keys.set(c, key, value, {
      ttl: intFlag(ctx.flags, "ttl"),
      prevExist,
      ...(withCompare ? { prevValue: stringFlag(ctx.flags, "swap-with-value"), prevIndex: intFlag(ctx.flags, "swap-with-index") } : {}),
    })
  );
  printResponseKey(s.out, resp, s.format);
}

async function mkdirLike(ctx: CommandContext, prevExist: PrevExist): Promise<void> {
  const s: Session = new Session(ctx);
  const keys = await s.keys();
  const key = requireKey(s, ctx);
  const resp = await request(s, (c) => keys.set(c, key, "", { ttl: intFlag(ctx.flags, "ttl"), dir: true, prevExist }));
  if (s.format !== "simple") printResponseKey(s.out, resp, s.format);
}

async function removeLike(ctx: CommandContext, opts: { dir: boolean; recursive: boolean; prevValue: string; prevIndex: number }): Promise<void> {
  const s: Session = new Session(ctx);
  const keys = await s.keys();
  const key = requireKey(s, ctx);
  const resp = await request(s, (c) => keys.delete(c, key, opts));
  if (!resp.node?.dir || s.format !== "simple") printResponseKey(s.out, resp, s.format);
}

function printLs(s: Session, ctx: CommandContext, resp: KeysResponse): void {
  if (s.format !== "simple") {
    printResponseKey(s.out, resp, s.format);
    return;
  }
  const slash = boolFlag(ctx.flags, "p");
  const walk = (n: KeyNode) => {
    s.out.println(n.dir && slash ? `${n.key}/` : n.key);
    for (const child of n.nodes ?? []) walk(child);
  };
  if (resp.node && !resp.node.dir) s.out.println(resp.node.key);
  for (const child of resp.node?.nodes ?? []) walk(child);
}

export const keyCommands: Command[] = [
  {
    name: "mk",
    usage: "make a new key with a given value",
    argsUsage: "<key> <value>",
    flags: [{ names: ["in-order"], kind: "bool", usage: "create in-order key under directory <key>" }, ttlFlag],
    action: async (ctx) => {
      if (!boolFlag(ctx.flags, "in-order")) return await setLike(ctx, "false", false);
      const s: Session = new Session(ctx);
      const keys = await s.keys();
      const key = requireKey(s, ctx);
      const value = await requireValue(s, ctx);
      const resp = await request(s, (c) => keys.createInOrder(c, key, value, { ttl: intFlag(ctx.flags, "ttl") }));
      printResponseKey(s.out, resp, s.format);
    },
  },
  {
    name: "mkdir",
    usage: "make a new directory",
    argsUsage: "<key>",
    flags: [ttlFlag],
    action: (ctx) => mkdirLike(ctx, "false"),
  },
  {
    name: "rm",
    usage: "remove a key or a directory",
    argsUsage: "<key>",
    flags: [
      { names: ["dir"], kind: "bool", usage: "removes the key if it is an empty directory or a key-value pair" },
      { names: ["recursive", "r"], kind: "bool", usage: "removes the key and all child keys(if it is a directory)" },
      { names: ["with-value"], kind: "string", usage: "previous value" },
      { names: ["with-index"], kind: "int", usage: "previous index", value: 0 },
    ],
    action: (ctx) =>
      removeLike(ctx, {
        dir: boolFlag(ctx.flags, "dir"),
        recursive: boolFlag(ctx.flags, "recursive"),
        prevValue: stringFlag(ctx.flags, "with-value"),
        prevIndex: intFlag(ctx.flags, "with-index"),
      }),
  },
  {
    name: "rmdir",
    usage: "removes the key if it is an empty directory or a key-value pair",
    argsUsage: "<key>",
    action: (ctx) => removeLike(ctx, { dir: true, recursive: false, prevValue: "", prevIndex: 0 }),
  },
  {
    name: "get",
    usage: "retrieve the value of a key",
    argsUsage: "<key>",
    flags: [sortFlag, quorumFlag],
    action: async (ctx) => {
      const s: Session = new Session(ctx);
      const keys = await s.keys();
      const key = requireKey(s, ctx);
      const resp = await request(s, (c) => keys.get(c, key, { sort: boolFlag(ctx.flags, "sort"), quorum: boolFlag(ctx.flags, "quorum") }));
      if (resp.node?.dir) {
        s.out.eprintln(`${resp.node.key}: is a directory`);
        exit(ExitBadArgs);
      }
      printResponseKey(s.out, resp, s.format);
    },
  },
  {
    name: "ls",
    usage: "retrieve a directory",
    argsUsage: "[key]",
    flags: [
      sortFlag,
      { names: ["recursive", "r"], kind: "bool", usage: "returns all key names recursively for the given path" },
      { names: ["p"], kind: "bool", usage: "append slash (/) to directories" },
      quorumFlag,
    ],
    action: async (ctx) => {
      const s: Session = new Session(ctx);
      const keys = await s.keys();
      const key = ctx.args[0] ?? "/";
      const resp = await request(s, (c) =>
        keys.get(c, key, {
          sort: boolFlag(ctx.flags, "sort"),
          recursive: boolFlag(ctx.flags, "recursive"),
          quorum: boolFlag(ctx.flags, "quorum"),
        })
      );
      printLs(s, ctx, resp);
    },
  },
  {
    name: "set",
    usage: "set the value of a key",
    argsUsage: "<key> <value>",
    description: "Set sets the value of a key.\n\n   When <value> begins with '-', <value> is interpreted as a flag.\n   Insert '--' for workaround:\n\n   $ set -- <key> <value>",
    flags: [
      ttlFlag,
      { names: ["swap-with-value"], kind: "string", usage: "previous value" },
      { names: ["swap-with-index"], kind: "int", usage: "previous index", value: 0 },
    ],
    action: (ctx) => setLike(ctx, "", true),
  },
  {
    name: "setdir",
    usage: "create a new directory or update an existing directory TTL",
    argsUsage: "<key>",
    flags: [ttlFlag],
    action: (ctx) => mkdirLike(ctx, ""),
  },
  {
    name: "update",
    usage: "update an existing key with a given value",
    argsUsage: "<key> <value>",
    flags: [ttlFlag],
    action: (ctx) => setLike(ctx, "true", false),
  },
  {
    name: "updatedir",
    usage: "update an existing directory",
    argsUsage: "<key> <value>",
    flags: [ttlFlag],
    action: (ctx) => mkdirLike(ctx, "true"),
  },
];
