// `etcd ctl` (or this binary named etcdctl): an etcdctl-compatible client.
// The v2 command set with etcdctl v2's flags, output and exit codes, plus
// the etcdctl v3 forms the seeds use, all over the v2 HTTP API.

import { type App, HELP_FLAG, runApp, VERSION_FLAG } from "./cli/app.ts";
import type { Command, CtlEnv } from "./cli/command.ts";
import { CtlExit } from "./cli/exit.ts";
import { healthCommand } from "./commands/health.ts";
import { keyCommands } from "./commands/keys.ts";
import { memberCommand } from "./commands/member.ts";
import { getV3Command, putCommand } from "./commands/v3.ts";
import { watchCommands } from "./commands/watch.ts";
import { snapshotCommand } from "./commands/snapshot.ts";
import type { FlagSpec } from "./golang/flags.ts";
import { makeOutput } from "./output/output.ts";
import { NilNodePanic } from "./output/response.ts";
import { VERSION } from "../version.ts";

export interface CtlIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  /** Standard input, read only when a value is missing from the arguments. */
  stdin?: () => Promise<string>;
  /** Ctrl-C: ends watches (exit 0), like etcdctl's interrupt handler. */
  signal?: AbortSignal;
}

const GLOBAL_FLAGS: FlagSpec[] = [
  { names: ["debug"], kind: "bool", usage: "output cURL commands which can be used to reproduce the request" },
  { names: ["no-sync"], kind: "bool", usage: "don't synchronize cluster information before sending request" },
  { names: ["output", "o"], kind: "string", usage: "output response in the given format (`simple`, `extended` or `json`)", value: "simple" },
  { names: ["discovery-srv", "D"], kind: "string", usage: "domain name to query for SRV records describing cluster endpoints" },
  { names: ["insecure-discovery"], kind: "bool", usage: "accept insecure SRV records describing cluster endpoints" },
  { names: ["peers", "C"], kind: "string", usage: 'DEPRECATED - "--endpoints" should be used instead' },
  { names: ["endpoint"], kind: "string", usage: 'DEPRECATED - "--endpoints" should be used instead' },
  {
    names: ["endpoints"],
    kind: "string",
    usage: 'a comma-delimited list of machine addresses in the cluster (default: "http://127.0.0.1:2379,http://127.0.0.1:4001")',
  },
  { names: ["cert-file"], kind: "string", usage: "identify HTTPS client using this SSL certificate file" },
  { names: ["key-file"], kind: "string", usage: "identify HTTPS client using this SSL key file" },
  { names: ["ca-file"], kind: "string", usage: "verify certificates of HTTPS-enabled servers using this CA bundle" },
  { names: ["username", "u"], kind: "string", usage: "provide username[:password] and prompt if password is not supplied." },
  { names: ["timeout"], kind: "duration", usage: "connection timeout per request", value: 2000 },
  { names: ["total-timeout"], kind: "duration", usage: "timeout for the command execution (except watch)", value: 5000 },
  // etcdctl v3's spellings, accepted so v3-style command lines work too.
  { names: ["write-out", "w"], kind: "string", usage: "set the output format (simple, json)", hidden: true },
  { names: ["hex"], kind: "bool", usage: "print byte strings as hex encoded strings", hidden: true },
  { names: ["cacert"], kind: "string", usage: "verify certificates of TLS-enabled secure servers using this CA bundle", hidden: true },
  { names: ["cert"], kind: "string", usage: "identify secure client using this TLS certificate file", hidden: true },
  { names: ["key"], kind: "string", usage: "identify secure client using this TLS key file", hidden: true },
  { names: ["user"], kind: "string", usage: "username[:password] for authentication", hidden: true },
  { names: ["dial-timeout"], kind: "duration", usage: "dial timeout for client connections", value: 2000, hidden: true },
  { names: ["command-timeout"], kind: "duration", usage: "timeout for short running command", value: 5000, hidden: true },
  HELP_FLAG,
  VERSION_FLAG,
];

const HELP_COMMAND: Command = { name: "help", aliases: ["h"], usage: "Shows a list of commands or help for one command" };

function commandsFor(api: "2" | "3"): Command[] {
  const keys = keyCommands.map((c) => (api === "3" && c.name === "get" ? getV3Command : c));
  const byName = (n: string) => [...keys, ...watchCommands].find((c) => c.name === n)!;
  return [
    healthCommand,
    byName("mk"),
    byName("mkdir"),
    byName("rm"),
    byName("rmdir"),
    byName("get"),
    byName("ls"),
    byName("set"),
    byName("setdir"),
    byName("update"),
    byName("updatedir"),
    byName("watch"),
    byName("exec-watch"),
    memberCommand,
    { ...putCommand, hidden: api === "2" },
    snapshotCommand,
    HELP_COMMAND,
  ];
}

/** etcdctl v3 takes global flags anywhere on the line; move them to the front. */
function hoistGlobalFlags(args: string[]): string[] {
  const front: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      rest.push(...args.slice(i));
      break;
    }
    const name = a.replace(/^--?/, "").split("=")[0];
    const spec = a.startsWith("-") && a.length > 1 && name !== "help" && name !== "h" ? GLOBAL_FLAGS.find((f) => f.names.includes(name)) : undefined;
    if (!spec) {
      rest.push(a);
      continue;
    }
    front.push(a);
    if (spec.kind !== "bool" && !a.includes("=") && i + 1 < args.length) front.push(args[++i]);
  }
  return [...front, ...rest];
}

function appFor(api: "2" | "3"): App {
  return {
    name: "etcdctl",
    usage: "A simple command line client for etcd.",
    version: VERSION,
    flags: GLOBAL_FLAGS,
    commands: commandsFor(api),
    versionText: `etcdctl version: ${VERSION}\nAPI version: ${api}\n`,
    hoistGlobals: api === "3" ? hoistGlobalFlags : undefined,
  };
}

/** Runs one etcdctl command line; resolves to the exit code. */
export async function runCtl(argv: string[], io: CtlIO): Promise<number> {
  const apiEnv = io.env.ETCDCTL_API ?? "";
  if (apiEnv !== "" && apiEnv !== "2" && apiEnv !== "3") {
    io.stderr(`unsupported API version ${apiEnv}\n`);
    return 1;
  }
  const api = apiEnv === "3" ? "3" : "2";
  const env: CtlEnv = {
    out: makeOutput(io),
    env: io.env,
    readStdin: io.stdin ?? (() => Promise.resolve("")),
    interrupt: io.signal ?? new AbortController().signal,
    api,
  };
  try {
    await runApp(appFor(api), argv, env);
    return 0;
  } catch (err) {
    if (err instanceof CtlExit) return err.code;
    if (err instanceof NilNodePanic) {
      io.stderr(`${err.message}\n`);
      return 2;
    }
    io.stderr(`Error:  ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
