// The shape of a command table in the style of urfave/cli v1 (which
// etcdctl v2 is built on): commands with flags, argument usage, optional
// subcommands, and an action.

import type { FlagSpec, FlagValue, ParsedFlags } from "../golang/flags.ts";
import type { Output } from "../output/output.ts";

export interface CtlEnv {
  out: Output;
  env: Record<string, string | undefined>;
  /** Everything on standard input (etcdctl reads a missing value from it). */
  readStdin: () => Promise<string>;
  /** Aborted on Ctrl-C (or by a test): watches end and etcdctl exits 0. */
  interrupt: AbortSignal;
  /** "2" or "3": which etcdctl's text to print where the two differ. */
  api: "2" | "3";
}

export interface Command {
  name: string;
  aliases?: string[];
  usage: string;
  argsUsage?: string;
  description?: string;
  flags?: FlagSpec[];
  subcommands?: Command[];
  hidden?: boolean;
  action?: (ctx: CommandContext) => Promise<void>;
}

export interface CommandContext {
  /** Positional arguments left after the command's flags. */
  args: string[];
  flags: ParsedFlags;
  global: ParsedFlags;
  env: CtlEnv;
  /** "etcdctl get", "etcdctl member add": for messages that name the command. */
  helpName: string;
}

function value(p: ParsedFlags, name: string): FlagValue | undefined {
  return p.values.get(name);
}

export function boolFlag(p: ParsedFlags, name: string): boolean {
  return value(p, name) === true;
}

export function stringFlag(p: ParsedFlags, name: string): string {
  const v = value(p, name);
  return typeof v === "string" ? v : "";
}

export function intFlag(p: ParsedFlags, name: string): number {
  const v = value(p, name);
  return typeof v === "number" ? v : 0;
}
