// Builds the distributable: esbuild bundles the server (and, once it exists,
// the dashboard's assets) into one self-contained script, dist/etcd.js,
// runnable by `node dist/etcd.js` and `deno run -A dist/etcd.js`; then
// tools/executable.ts makes the single-file executable dist/etcd from it.
//
//   deno run -A build.ts          (also: npm run build, deno task build)

import * as esbuild from "esbuild";
import { chmod, mkdir } from "node:fs/promises";
import { bundleDashboard } from "./dashboard/build.ts";
import { buildExecutable } from "./tools/executable.ts";

const outfile = "dist/etcd.js";

export async function bundleServer(): Promise<string> {
  await mkdir("dist", { recursive: true });
  // The dashboard's script and stylesheet ride inside the bundle (server/http/dashboard_assets.ts).
  const dashboard = await bundleDashboard();
  await esbuild.build({
    entryPoints: ["server/main.ts"],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minifySyntax: true,
    legalComments: "none",
    banner: { js: "#!/usr/bin/env node" },
    define: { __ETCD_DASHBOARD__: JSON.stringify(dashboard) },
    logLevel: "warning",
  });
  await chmod(outfile, 0o755);
  return outfile;
}

if (import.meta.main) {
  const out = await bundleServer();
  console.log(`built ${out}`);
  // The single-file executable dist/etcd: deno compile with DENORT_BIN, else a Node SEA.
  const exe = await buildExecutable();
  console.log(`built ${exe.path.replace(/^.*\/dist\//, "dist/")} (${exe.kind === "node-sea" ? "Node single executable application" : "deno compile"})`);
  await esbuild.stop();
}
