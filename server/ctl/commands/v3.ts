// The etcdctl v3 key forms the seeds use, carried over the v2 keys API:
// `put K V` prints OK; under ETCDCTL_API=3, `get K` prints the key and the
// value on two lines, and nothing when the key does not exist.

import { EtcdError } from "../client/errors.ts";
import { boolFlag, type Command, type CommandContext } from "../cli/command.ts";
import { exit, V3ExitBadArgs, V3ExitError } from "../cli/exit.ts";
import { Session } from "../session.ts";

function failV3(s: Session, code: number, message: string): never {
  s.out.eprintln(`Error: ${message}`);
  exit(code);
}

async function put(ctx: CommandContext): Promise<void> {
  const s: Session = new Session(ctx);
  let value: string;
  if (ctx.args.length === 2) value = ctx.args[1];
  else if (ctx.args.length === 1) {
    value = await ctx.env.readStdin().catch(() => "");
    if (value === "") failV3(s, V3ExitBadArgs, "put command needs 1 argument and input from stdin or 2 arguments");
  } else failV3(s, V3ExitBadArgs, "put command needs 1 argument and input from stdin or 2 arguments");
  const keys = await s.keys();
  const { ctx: c, cancel } = s.withTotalTimeout();
  try {
    await keys.set(c, ctx.args[0], value);
  } catch (err) {
    failV3(s, V3ExitError, (err as Error).message);
  } finally {
    cancel();
  }
  s.out.println("OK");
}

async function get(ctx: CommandContext): Promise<void> {
  const s: Session = new Session(ctx);
  if (ctx.args.length < 1 || ctx.args.length > 2) {
    failV3(s, V3ExitBadArgs, "get command needs one argument as key and an optional argument as range_end");
  }
  const key = ctx.args[0];
  const keys = await s.keys();
  const { ctx: c, cancel } = s.withTotalTimeout();
  try {
    const resp = await keys.get(c, key, {});
    if (!resp.node || resp.node.dir) return;
    if (!boolFlag(ctx.flags, "print-value-only")) s.out.println(key);
    if (!boolFlag(ctx.flags, "keys-only")) s.out.println(resp.node.value);
  } catch (err) {
    // A missing key is an empty range in v3, not an error.
    if (err instanceof EtcdError && err.errorCode === 100) return;
    failV3(s, V3ExitError, (err as Error).message);
  } finally {
    cancel();
  }
}

export const putCommand: Command = {
  name: "put",
  usage: "Puts the given key into the store",
  argsUsage: "<key> <value>",
  action: put,
};

export const getV3Command: Command = {
  name: "get",
  usage: "Gets the key",
  argsUsage: "<key>",
  flags: [
    { names: ["print-value-only"], kind: "bool", usage: "Only write values" },
    { names: ["keys-only"], kind: "bool", usage: "Get only the keys" },
  ],
  action: get,
};
