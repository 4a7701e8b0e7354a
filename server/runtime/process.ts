// Process-level facts that differ between Deno and Node.

import process from "node:process";

// deno-lint-ignore no-explicit-any
const DenoNs: any = (globalThis as any).Deno;

/** Command-line arguments after the program (and script) name. */
export function programArgs(): string[] {
  return DenoNs?.args ? [...DenoNs.args] : process.argv.slice(2);
}

/** The name the program was invoked as (to act as etcdctl when named so). */
export function programName(): string {
  const path = DenoNs?.execPath ? (DenoNs.mainModule?.endsWith(".ts") ? DenoNs.mainModule : DenoNs.execPath()) : process.argv[1] ?? "";
  return String(path).split(/[\\/]/).pop() ?? "";
}

export function environment(): Record<string, string | undefined> {
  return { ...process.env };
}

/** The runtime we run on, as --version prints it: "Node v24.22.3" or "Deno 2.9.6". */
export function runtimeVersion(): string {
  return DenoNs?.version?.deno ? `Deno ${DenoNs.version.deno}` : `Node ${process.version}`;
}
