// WAL recovery benchmark: how long Wal.open takes to read back a log shaped
// like the scale workload's after a kill -9 (100k set commands in one
// segment, a snapshot of the store taken at 90% of them, the rest after it),
// and how fast the record checksum runs over large and small ranges.
//
//   npx deno run -A bench/wal_recovery.ts
//   npx esbuild bench/wal_recovery.ts --bundle --platform=node --format=esm --outfile=/tmp/walrec.mjs && node /tmp/walrec.mjs
//
// WAL_RECOVERY_ENTRIES (default 100000) and WAL_RECOVERY_ROUNDS (default 7)
// set the size and the number of timed opens (the median is printed).

import * as fsp from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { crc32 } from "../server/storage/crc32.ts";
import { Wal, type WalEntry } from "../server/storage/mod.ts";

const ENTRIES = Number(process.env.WAL_RECOVERY_ENTRIES ?? 100_000);
const ROUNDS = Number(process.env.WAL_RECOVERY_ROUNDS ?? 7);

// deno-lint-ignore no-explicit-any
const DenoNs = (globalThis as any).Deno as any;
const runtime = DenoNs ? `deno ${DenoNs.version.deno}` : `node ${process.version}`;

function command(i: number): string {
  const key = `/bench/scale/d${i % 100}/k${Math.floor(i / 100)}`;
  return JSON.stringify({ action: "set", key, value: "v".repeat(64), ttl: null, time: 1765000000000 + i });
}

/** Builds the log once: entries in batches of 64 (group commit), a snapshot at 90%. */
async function buildLog(dir: string): Promise<void> {
  const wal = await Wal.create(dir, JSON.stringify({ id: "bench", cluster: "bench" }), { sync: false });
  const snapAt = Math.floor(ENTRIES * 0.9);
  let batch: WalEntry[] = [];
  let snapped = false;
  for (let i = 1; i <= ENTRIES; i++) {
    batch.push({ index: i, term: 2, type: "normal", data: command(i) });
    if (batch.length < 64 && i < ENTRIES) continue;
    await wal.append(batch, { term: 2, vote: "bench", commit: i });
    batch = [];
    if (!snapped && i >= snapAt) {
      // The store's text at that point: about 85 bytes per key, as the v2 store's snapshot.
      const data = JSON.stringify(Array.from({ length: i }, (_, k) => [`/bench/scale/d${k % 100}/k${k}`, "v".repeat(64)]));
      await wal.saveSnapshot({ index: i, term: 2, meta: "{}", data });
      snapped = true;
    }
  }
  await wal.close();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function checksumRate(bytes: Uint8Array, size: number): number {
  const started = performance.now();
  let total = 0;
  let x = 0;
  while (performance.now() - started < 300) {
    for (let at = 0; at + size <= bytes.length; at += size) {
      x ^= crc32(bytes, at, at + size);
      total += size;
    }
  }
  if (x === 0.5) console.log(x); // keeps the loop's result alive
  return total / 1e6 / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "walrecovery-"));
  try {
    await buildLog(dir);
    const times: number[] = [];
    let kept = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const started = performance.now();
      const { wal, recovered } = await Wal.open(dir, { sync: false });
      times.push(performance.now() - started);
      kept = recovered.entries.length;
      if (recovered.entries[0]?.data !== command(recovered.entries[0].index)) throw new Error("recovered entry differs");
      await wal.close();
    }
    const walBytes = (await fsp.stat(path.join(dir, "member", "wal", (await fsp.readdir(path.join(dir, "member", "wal")))[0]))).size;
    console.log(`${runtime}: Wal.open of ${ENTRIES} entries (${(walBytes / 1e6).toFixed(1)} MB of log, snapshot at 90%, ${kept} entries after it): median ${median(times).toFixed(1)} ms over ${ROUNDS} opens (${times.map((t) => t.toFixed(0)).join(", ")})`);
    const bytes = new Uint8Array(8 << 20).map((_, i) => i * 31);
    for (const size of [12, 200, 8 << 20]) {
      console.log(`crc32 over ${size}-byte ranges: ${checksumRate(bytes, size).toFixed(0)} MB/s`);
    }
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

await main();
