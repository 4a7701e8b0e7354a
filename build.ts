// Builds the distributable: esbuild bundles the server (and, once it exists,
// the dashboard's assets) into one self-contained script, dist/etcd.js,
// runnable by `node dist/etcd.js` and `deno run -A dist/etcd.js`.
//
//   deno run -A build.ts          (also: npm run build, deno task build)

import * as esbuild from "esbuild";
import { chmod, mkdir } from "node:fs/promises";
import { bundleDashboard } from "./dashboard/build.ts";

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
  await esbuild.stop();
}
