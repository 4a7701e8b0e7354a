// `watch` prints the next change of a key (or every change with --forever);
// `exec-watch` runs a program for every change, with the event in its
// environment (ETCD_WATCH_ACTION, _KEY, _VALUE, _MODIFIED_INDEX).

import { spawn } from "node:child_process";
import { background, type Ctx } from "../client/errors.ts";
import type { KeysApi, KeysResponse } from "../client/keys_api.ts";
import { boolFlag, type Command, type CommandContext, intFlag } from "../cli/command.ts";
import { CtlExit, exit, ExitBadArgs, ExitServerError, ExitSuccess } from "../cli/exit.ts";
import { printResponseKey } from "../output/response.ts";
import { Session } from "../session.ts";

/** Waits for the next event; Ctrl-C ends the program with status 0. */
async function nextEvent(ctx: CommandContext, w: ReturnType<KeysApi["watcher"]>, c: Ctx): Promise<KeysResponse> {
  try {
    return await w.next(c);
  } catch (err) {
    if (ctx.env.interrupt.aborted) exit(ExitSuccess);
    throw err;
  }
}

async function watchAction(ctx: CommandContext): Promise<void> {
  const s: Session = new Session(ctx);
  const keys = await s.keys();
  if (ctx.args.length === 0) s.fail(ExitBadArgs, new Error("key required"));
  const recursive = boolFlag(ctx.flags, "recursive");
  const forever = boolFlag(ctx.flags, "forever");
  const w = keys.watcher(ctx.args[0], { afterIndex: intFlag(ctx.flags, "after-index"), recursive });
  for (;;) {
    let resp: KeysResponse;
    try {
      resp = await nextEvent(ctx, w, s.background());
    } catch (err) {
      if (err instanceof CtlExit) throw err;
      s.fail(ExitServerError, err);
    }
    if (resp.node?.dir) continue;
    if (recursive) s.out.println(`[${resp.action}] ${resp.node?.key ?? ""}`);
    printResponseKey(s.out, resp, s.format);
    if (!forever) return;
  }
}

/** The key and the program: "<key> -- <cmd> args…", else the key comes last. */
export function splitExecArgs(args: string[]): { key: string; command: string[] } {
  const sep = args.findIndex((a, i) => a === "--" && i !== 0);
  if (sep >= 0) return { key: args[0], command: args.slice(2) };
  return { key: args[args.length - 1], command: args.slice(0, -1) };
}

interface SpawnFailure extends Error {
  code?: string;
}

function spawnError(program: string, err: SpawnFailure): string {
  if (err.code === "ENOENT") {
    return program.includes("/") ? `fork/exec ${program}: no such file or directory` : `exec: "${program}": executable file not found in $PATH`;
  }
  if (err.code === "EACCES") return `fork/exec ${program}: permission denied`;
  return err.message;
}

async function execWatchAction(ctx: CommandContext): Promise<void> {
  const s: Session = new Session(ctx);
  const keys = await s.keys();
  if (ctx.args.length < 2) s.fail(ExitBadArgs, new Error("key and command to exec required"));
  const { key, command } = splitExecArgs(ctx.args);
  const w = keys.watcher(key, { afterIndex: intFlag(ctx.flags, "after-index"), recursive: boolFlag(ctx.flags, "recursive") });
  // A program that cannot be started ends etcdctl with status 1 (Go calls
  // os.Exit from the goroutine that starts it): stop watching, then exit.
  let startFailure: string | undefined;
  const stop = new AbortController();
  const c = background(anySignal(ctx.env.interrupt, stop.signal));
  for (;;) {
    let resp: KeysResponse;
    try {
      resp = await nextEvent(ctx, w, c);
    } catch (err) {
      if (err instanceof CtlExit) throw err;
      if (startFailure === undefined) s.fail(ExitServerError, err);
      s.out.eprint(startFailure);
      exit(ExitBadArgs);
    }
    if (resp.node?.dir) {
      s.out.eprintln(`Ignored dir ${resp.node.key} change`);
      continue;
    }
    const child = spawn(command[0], command.slice(1), {
      env: {
        ...ctx.env.env,
        ETCD_WATCH_ACTION: resp.action,
        ETCD_WATCH_MODIFIED_INDEX: String(resp.node?.modifiedIndex ?? 0),
        ETCD_WATCH_KEY: resp.node?.key ?? "",
        ETCD_WATCH_VALUE: resp.node?.value ?? "",
      } as Record<string, string>,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (d) => s.out.print(String(d)));
    child.stderr?.on("data", (d) => s.out.eprint(String(d)));
    child.on("error", (err: SpawnFailure) => {
      startFailure ??= spawnError(command[0], err);
      stop.abort();
    });
  }
}

/** A signal that fires when either input does. */
function anySignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  const ac = new AbortController();
  const fire = () => ac.abort();
  if (a.aborted || b.aborted) ac.abort();
  a.addEventListener("abort", fire, { once: true });
  b.addEventListener("abort", fire, { once: true });
  return ac.signal;
}

export const watchCommands: Command[] = [
  {
    name: "watch",
    usage: "watch a key for changes",
    argsUsage: "<key>",
    flags: [
      { names: ["forever", "f"], kind: "bool", usage: "forever watch a key until CTRL+C" },
      { names: ["after-index"], kind: "int", usage: "watch after the given index", value: 0 },
      { names: ["recursive", "r"], kind: "bool", usage: "returns all values for key and child keys" },
    ],
    action: watchAction,
  },
  {
    name: "exec-watch",
    usage: "watch a key for changes and exec an executable",
    argsUsage: "<key> <command> [args...]",
    flags: [
      { names: ["after-index"], kind: "int", usage: "watch after the given index", value: 0 },
      { names: ["recursive", "r"], kind: "bool", usage: "watch all values for key and child keys" },
    ],
    action: execWatchAction,
  },
];
