// Shared helpers for the storage tests.

import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { walDir } from "../../server/storage/layout.ts";
import type { WalEntry } from "../../server/storage/mod.ts";

/** Runs `fn` with a fresh temp dir that is removed afterwards. */
export async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "wal-test-" });
  try {
    await fn(dir);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

export function entry(index: number, term = 1, data = `{"op":"set","i":${index}}`): WalEntry {
  return { index, term, type: "normal", data };
}

/** Entries from..to inclusive. */
export function entries(from: number, to: number, term = 1): WalEntry[] {
  const out: WalEntry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term));
  return out;
}

/** Segment file paths, oldest first. */
export async function segmentFiles(dataDir: string): Promise<string[]> {
  const dir = walDir(dataDir);
  return (await fsp.readdir(dir)).filter((n) => n.endsWith(".wal")).sort().map((n) => path.join(dir, n));
}

export async function lastSegment(dataDir: string): Promise<string> {
  const files = await segmentFiles(dataDir);
  return files[files.length - 1];
}

export async function fileSize(file: string): Promise<number> {
  return (await fsp.stat(file)).size;
}
