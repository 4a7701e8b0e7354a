// Headless Debian Chromium driven by playwright-core, for the dashboard's
// browser tests: a fresh profile each time, every console error and every
// request to another host recorded, screenshots under test-results/dashboard/.

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { root } from "../helpers/cluster.ts";

export const CHROMIUM = "/usr/bin/chromium";
export const SHOTS = join(root, "test-results/dashboard");

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
];

export interface Browser {
  ctx: BrowserContext;
  page: Page;
  /** Console errors, page errors and requests that left `host`, in order. */
  problems: string[];
  /** Every URL requested. */
  requests: string[];
  /** Saves a full-page PNG as test-results/dashboard/NAME.png. */
  shot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openBrowser(host: string, viewport = { width: 1366, height: 860 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "dash-chromium-"));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport,
    timeout: 30_000,
  });
  const page = ctx.pages()[0] ?? await ctx.newPage();
  page.setDefaultTimeout(15_000);
  page.setDefaultNavigationTimeout(20_000);
  const problems: string[] = [];
  const requests: string[] = [];
  ctx.on("request", (r) => {
    const url = r.url();
    requests.push(url);
    if (url.startsWith("data:") || url.startsWith("about:")) return;
    if (new URL(url).hostname !== host) problems.push(`request left ${host}: ${url}`);
  });
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  mkdirSync(SHOTS, { recursive: true });
  return {
    ctx,
    page,
    problems,
    requests,
    async shot(name) {
      const path = join(SHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true, timeout: 15_000 });
      return path;
    },
    async close() {
      await Promise.race([ctx.close(), new Promise((r) => setTimeout(r, 10_000))]);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Polls `fn` in the test (not the page) until it returns true; bounded. */
export async function eventually(fn: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await fn()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${last})` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Relative luminance (0 black … 1 white) of a CSS rgb() color. */
export function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? ["0", "0", "0"]).slice(0, 3).map(Number).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
