// Help text laid out like urfave/cli v1's templates (NAME, USAGE, OPTIONS,
// columns aligned by a tabwriter), so `etcdctl get --help` reads the same.

import { formatGoDuration } from "../golang/duration.ts";
import type { FlagSpec } from "../golang/flags.ts";
import { tabulate } from "../golang/tabwriter.ts";
import type { Command } from "./command.ts";

export interface AppInfo {
  name: string;
  usage: string;
  version: string;
  flags: FlagSpec[];
  commands: Command[];
}

/** One flag's help line: names with their placeholder, a tab, the usage and default. */
export function flagLine(f: FlagSpec): string {
  let usage = f.usage;
  let placeholder = "";
  const open = usage.indexOf("`");
  if (open >= 0) {
    const close = usage.indexOf("`", open + 1);
    if (close >= 0) {
      placeholder = usage.slice(open + 1, close);
      usage = usage.slice(0, open) + placeholder + usage.slice(close + 1);
    }
  }
  if (f.kind !== "bool" && placeholder === "") placeholder = "value";
  const names = f.names
    .map((n) => (n.length === 1 ? "-" : "--") + n + (f.kind === "bool" ? "" : " " + placeholder))
    .join(", ");
  let def = "";
  if (f.kind === "string" && typeof f.value === "string" && f.value !== "") def = ` (default: ${JSON.stringify(f.value)})`;
  if (f.kind === "int") def = ` (default: ${f.value ?? 0})`;
  if (f.kind === "duration") def = ` (default: ${formatGoDuration(Number(f.value ?? 0))})`;
  return `${names}\t${usage}${def}`;
}

function visible<T extends { hidden?: boolean }>(xs: T[] | undefined): T[] {
  return (xs ?? []).filter((x) => !x.hidden);
}

export function appHelp(app: AppInfo): string {
  const lines = [
    "NAME:",
    `   ${app.name} - ${app.usage}`,
    "",
    "USAGE:",
    `   ${app.name} [global options] command [command options] [arguments...]`,
    "",
    "VERSION:",
    `   ${app.version}`,
    "",
    "COMMANDS:",
    ...visible(app.commands).map((c) => `   ${[c.name, ...(c.aliases ?? [])].join(", ")}\t${c.usage}`),
    "",
    "GLOBAL OPTIONS:",
    ...visible(app.flags).map((f) => `   ${flagLine(f)}`),
  ];
  return tabulate(lines.join("\n") + "\n");
}

export function commandHelp(cmd: Command, helpName: string): string {
  const flags = visible(cmd.flags);
  let text = `NAME:\n   ${helpName} - ${cmd.usage}\n\nUSAGE:\n   ${helpName}${flags.length ? " [command options]" : ""} ${
    cmd.argsUsage || "[arguments...]"
  }`;
  if (cmd.description) text += `\n\nDESCRIPTION:\n   ${cmd.description}`;
  if (flags.length) text += "\n\nOPTIONS:\n   " + flags.map((f) => flagLine(f) + "\n   ").join("");
  return tabulate(text + "\n");
}

export function subcommandHelp(cmd: Command, helpName: string): string {
  const lines = [
    "NAME:",
    `   ${helpName} - ${cmd.description || cmd.usage}`,
    "",
    "USAGE:",
    `   ${helpName} command [command options] ${cmd.argsUsage || "[arguments...]"}`,
    "",
    "COMMANDS:",
    ...visible(cmd.subcommands).map((c) => `   ${[c.name, ...(c.aliases ?? [])].join(", ")}\t${c.usage}`),
    "",
    "OPTIONS:",
    "   --help, -h\tshow help",
    "   ",
  ];
  return tabulate(lines.join("\n") + "\n");
}

/** `etcdctl member help`: the subcommand's own app help (urfave/cli's app template). */
export function subAppHelp(cmd: Command, helpName: string, version: string): string {
  const lines = [
    "NAME:",
    `   ${helpName} - ${cmd.usage}`,
    "",
    "USAGE:",
    `   ${helpName} [global options] command [command options] [arguments...]`,
    "",
    "VERSION:",
    `   ${version}`,
    "",
    "COMMANDS:",
    ...visible(cmd.subcommands).map((c) => `   ${[c.name, ...(c.aliases ?? [])].join(", ")}\t${c.usage}`),
    "",
    "GLOBAL OPTIONS:",
    "   --help, -h\tshow help",
  ];
  return tabulate(lines.join("\n") + "\n");
}
