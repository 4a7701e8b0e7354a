// Runs a command line through a command table the way urfave/cli v1 does:
// global flags first (Go flag rules), then the command, whose own flags are
// reordered to the front and parsed; help and usage errors print what
// urfave/cli prints, with its exit codes.

import { FlagError, type FlagSpec, parseFlags, type ParsedFlags, reorderArgs } from "../golang/flags.ts";
import { boolFlag, type Command, type CtlEnv } from "./command.ts";
import { exit, ExitBadArgs, ExitNoHelpTopic, ExitSuccess } from "./exit.ts";
import { appHelp, type AppInfo, commandHelp, subAppHelp, subcommandHelp } from "./help.ts";

export const HELP_FLAG: FlagSpec = { names: ["help", "h"], kind: "bool", usage: "show help" };
export const VERSION_FLAG: FlagSpec = { names: ["version", "v"], kind: "bool", usage: "print the version" };

export interface App extends AppInfo {
  /** What --version prints. */
  versionText: string;
  /** Moves flags found after the command in front of it (etcdctl v3 style). */
  hoistGlobals?: (args: string[]) => string[];
}

function find(cmds: Command[], name: string): Command | undefined {
  return cmds.find((c) => c.name === name || (c.aliases ?? []).includes(name));
}

/** urfave/cli's answer to `help <topic>` for an unknown topic. */
function noHelpTopic(env: CtlEnv, topic: string): never {
  env.out.eprintln(`No help topic for '${topic}'`);
  exit(ExitNoHelpTopic);
}

export async function runApp(app: App, argv: string[], env: CtlEnv): Promise<void> {
  const out = env.out;
  const args = app.hoistGlobals ? app.hoistGlobals(argv) : argv;
  let global: ParsedFlags;
  try {
    global = parseFlags(app.flags, args);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    out.print(`Incorrect Usage. ${err.message}\n\n`);
    out.print(appHelp(app));
    out.eprintln(err.message);
    exit(ExitBadArgs);
  }
  if (boolFlag(global, "help")) {
    out.print(appHelp(app));
    exit(ExitSuccess);
  }
  if (boolFlag(global, "version")) {
    out.print(app.versionText);
    exit(ExitSuccess);
  }
  const [name, ...rest] = global.args;
  if (name === undefined) {
    out.print(appHelp(app));
    exit(ExitSuccess);
  }
  if (name === "help" || name === "h") {
    if (rest.length === 0) out.print(appHelp(app));
    else {
      const topic = find(app.commands, rest[0]);
      if (!topic) noHelpTopic(env, rest[0]);
      out.print(topic.subcommands ? subcommandHelp(topic, `${app.name} ${topic.name}`) : commandHelp(topic, `${app.name} ${topic.name}`));
    }
    exit(ExitSuccess);
  }
  const cmd = find(app.commands, name);
  if (!cmd) noHelpTopic(env, name);
  await runCommand(cmd, rest, `${app.name} ${cmd.name}`, global, env, app.version);
}

async function runCommand(cmd: Command, args: string[], helpName: string, global: ParsedFlags, env: CtlEnv, version: string): Promise<void> {
  const out = env.out;
  if (cmd.subcommands) {
    let parsed: ParsedFlags;
    try {
      parsed = parseFlags([HELP_FLAG], args);
    } catch (err) {
      if (!(err instanceof FlagError)) throw err;
      out.print(`Incorrect Usage. ${err.message}\n\n`);
      out.print(subcommandHelp(cmd, helpName));
      out.eprintln(err.message);
      exit(ExitBadArgs);
    }
    const [name, ...rest] = parsed.args;
    if (boolFlag(parsed, "help") || name === undefined) {
      out.print(subcommandHelp(cmd, helpName));
      exit(ExitSuccess);
    }
    if (name === "help" || name === "h") {
      if (rest.length === 0) out.print(subAppHelp(cmd, helpName, version));
      else {
        const topic = find(cmd.subcommands, rest[0]);
        if (!topic) noHelpTopic(env, rest[0]);
        out.print(commandHelp(topic, `${helpName} ${topic.name}`));
      }
      exit(ExitSuccess);
    }
    const sub = find(cmd.subcommands, name);
    if (!sub) noHelpTopic(env, name);
    return await runCommand(sub, rest, `${helpName} ${sub.name}`, global, env, version);
  }
  const specs = [...(cmd.flags ?? []), HELP_FLAG];
  let flags: ParsedFlags;
  try {
    flags = parseFlags(specs, reorderArgs(specs, args));
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    out.print(`Incorrect Usage: ${err.message}\n\n`);
    out.print(commandHelp(cmd, helpName));
    out.eprintln(err.message);
    exit(ExitBadArgs);
  }
  if (boolFlag(flags, "help")) {
    out.print(commandHelp(cmd, helpName));
    exit(ExitSuccess);
  }
  if (!cmd.action) return;
  await cmd.action({ args: flags.args, flags, global, env, helpName });
}
