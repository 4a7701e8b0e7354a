// Entry point: `etcd [flags]` starts a member; `etcd ctl …` (or this binary
// named etcdctl) is the etcdctl-compatible client.

import { readFileSync } from "node:fs";
import process from "node:process";
import { ConfigError, loadConfig, usage } from "./config/load.ts";
import { ctlArgs, ctlMain } from "./ctl/entry.ts";
import { startMember } from "./member.ts";
import { environment, programArgs, programName, runtimeVersion } from "./runtime/process.ts";
import { VERSION } from "./version.ts";

async function main(): Promise<void> {
  const args = programArgs();
  const ctl = ctlArgs(args, programName());
  if (ctl) return await ctlMain(ctl);
  let config;
  try {
    config = loadConfig(args, environment(), (p) => readFileSync(p, "utf8"));
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  if (config.showHelp) {
    console.log(usage);
    return;
  }
  if (config.showVersion) {
    // etcd prints its Go version and OS/arch on the lines after; we print the runtime's.
    console.log(`etcd Version: ${VERSION} (etcd-ts, etcd v2 API)`);
    console.log(`Runtime Version: ${runtimeVersion()}`);
    console.log(`OS/Arch: ${process.platform}/${process.arch}`);
    return;
  }
  // Were start-up ever left waiting on something that holds no handle open,
  // the process would exit 0 with nothing said; say so and fail instead.
  const stalled = () => fail("start-up stalled: nothing left to wait for before the member was serving");
  process.on("beforeExit", stalled);
  try {
    const member = await startMember(config);
    process.off("beforeExit", stalled);
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      await member.stop(`received ${signal}`);
      process.exit(0);
    };
    process.on("SIGTERM", () => void stop("SIGTERM"));
    process.on("SIGINT", () => void stop("SIGINT"));
  } catch (err) {
    fail((err as Error).message ?? String(err));
  }
}

function fail(message: string): never {
  console.error(`etcd: ${message}`);
  process.exit(1);
}

// No top-level await: the single-file executable is built from a CommonJS bundle.
main().catch((err) => fail((err as Error)?.message ?? String(err)));
