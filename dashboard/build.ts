// Bundles the dashboard (dashboard/main.tsx and dashboard/styles.css) into one
// script and one stylesheet, in memory. build.ts embeds the result in the
// server bundle; a server running from source calls this on first request.

import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";

export interface BuiltDashboard {
  js: string;
  css: string;
}

const root = fileURLToPath(new URL("..", import.meta.url));

/** Browsers from the last few years; nothing here needs polyfills. */
const TARGETS = ["chrome110", "edge110", "firefox115", "safari16"];

export async function bundleDashboard(): Promise<BuiltDashboard> {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ["dashboard/main.tsx", "dashboard/styles.css"],
    outdir: "dist/dashboard",
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: TARGETS,
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: true,
    legalComments: "none",
    charset: "utf8",
    logLevel: "silent",
  });
  const js = result.outputFiles.find((f) => f.path.endsWith(".js"));
  const css = result.outputFiles.find((f) => f.path.endsWith(".css"));
  if (!js || !css) throw new Error("dashboard build produced no script or no stylesheet");
  return { js: js.text, css: css.text };
}

/** Lets a process that built on demand exit: esbuild keeps a helper process running. */
export async function stopBuilder(): Promise<void> {
  await esbuild.stop();
}
