// Runs `etcd ctl …` (or the binary invoked as etcdctl) as a process:
// real stdout/stderr/stdin, Ctrl-C ends watches with status 0, and the exit
// code of the command becomes the process's.

import { Buffer } from "node:buffer";
import process from "node:process";
import { runCtl } from "./main.ts";

/** Whether this command line is for the client rather than the server. */
export function ctlArgs(args: string[], programName: string): string[] | null {
  if (/^etcdctl(\.exe)?$/i.test(programName)) return args;
  if (args[0] === "ctl") return args.slice(1);
  return null;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

/** Exits the process when the command is done. */
export async function ctlMain(args: string[]): Promise<never> {
  // A reader that went away (`etcd ctl ls | head -1`) ends a Go program by
  // SIGPIPE, quietly; the shell sees 128 + 13.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: { code?: string }) => {
      if (err.code === "EPIPE") process.exit(141);
      throw err;
    });
  }
  const interrupt = new AbortController();
  process.on("SIGINT", () => {
    interrupt.abort();
    // Only watches wait for Ctrl-C; anything else ends as a Go program would.
    setTimeout(() => process.exit(130), 200).unref?.();
  });
  const code = await runCtl(args, {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    env: { ...process.env },
    stdin: readStdin,
    signal: interrupt.signal,
  });
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  process.exit(code);
}
