// The dashboard's JavaScript and CSS. In the bundle (dist/etcd.js and the
// executable) build.ts has embedded them as __ETCD_DASHBOARD__; running from
// source they are built with esbuild on first use and kept. Callers cannot
// tell which.

import { createHash } from "node:crypto";

export interface DashboardAssets {
  js: string;
  css: string;
  /** Changes whenever the assets do; goes into their URLs so browsers may cache them forever. */
  version: string;
}

/** Set by build.ts through esbuild's `define`; absent when running from source. */
declare const __ETCD_DASHBOARD__: { js: string; css: string } | undefined;

let cached: Promise<DashboardAssets> | undefined;

export function dashboardAssets(): Promise<DashboardAssets> {
  cached ??= load().catch((err) => {
    cached = undefined; // let the next request try again
    throw err;
  });
  return cached;
}

async function load(): Promise<DashboardAssets> {
  if (typeof __ETCD_DASHBOARD__ !== "undefined") return withVersion(__ETCD_DASHBOARD__);
  // A computed specifier, so that esbuild never pulls the builder (and esbuild
  // itself) into the server bundle.
  const builder = new URL("../../dashboard/build.ts", import.meta.url).href;
  const mod = (await import(builder)) as typeof import("../../dashboard/build.ts");
  try {
    return withVersion(await mod.bundleDashboard());
  } finally {
    await mod.stopBuilder();
  }
}

function withVersion(a: { js: string; css: string }): DashboardAssets {
  const version = createHash("sha256").update(a.js).update("\0").update(a.css).digest("hex").slice(0, 12);
  return { js: a.js, css: a.css, version };
}
