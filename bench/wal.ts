// WAL benchmark: appends/s and fsyncs/s at 1 and 64 concurrent appenders,
// with the fdatasync in the thread pool and, for one appender, on the
// calling thread (Wal.syncOnLoop, what a lone member with one client uses),
// plus the raw cost of write+fdatasync through node:fs (and, on Deno,
// through Deno.FsFile) to show what the runtime's file API costs.
//
//   npx deno run -A bench/wal.ts
//   npx esbuild bench/wal.ts --bundle --platform=node --format=esm --outfile=/tmp/walbench.mjs && node /tmp/walbench.mjs
//
// WAL_BENCH_SECONDS (default 3) sets the length of each run; WAL_BENCH_DIR
// the parent of the temp dirs (default: the OS temp dir; it must be a real
// disk, not tmpfs, or fsync costs nothing).

import * as fsp from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { Wal } from "../server/storage/mod.ts";

const SECONDS = Number(process.env.WAL_BENCH_SECONDS ?? 3);
const PARENT = process.env.WAL_BENCH_DIR ?? os.tmpdir();
const PAYLOAD = JSON.stringify({ action: "set", key: "/bench/key", value: "x".repeat(64), ttl: null });

// deno-lint-ignore no-explicit-any
const DenoNs = (globalThis as any).Deno as any;
const runtime = DenoNs ? `deno ${DenoNs.version.deno}` : `node ${process.version}`;

interface Result {
  name: string;
  ops: number;
  opsPerSec: number;
  syncsPerSec: number;
  p50ms: number;
  p99ms: number;
}

async function tempDir(): Promise<string> {
  return await fsp.mkdtemp(path.join(PARENT, "walbench-"));
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function benchWal(clients: number, sync: boolean, onLoop = false): Promise<Result> {
  const dir = await tempDir();
  try {
    const wal = await Wal.create(dir, "bench", { sync });
    wal.syncOnLoop = () => onLoop;
    let next = 1;
    const latencies: number[] = [];
    const end = performance.now() + SECONDS * 1000;
    const client = async () => {
      while (performance.now() < end) {
        const i = next++;
        const t0 = performance.now();
        await wal.append([{ index: i, term: 1, type: "normal", data: PAYLOAD }], { term: 1, vote: "", commit: i - 1 });
        latencies.push(performance.now() - t0);
      }
    };
    const start = performance.now();
    await Promise.all(Array.from({ length: clients }, client));
    const secs = (performance.now() - start) / 1000;
    const stats = wal.stats;
    await wal.close();
    latencies.sort((a, b) => a - b);
    return {
      name: `wal ${clients} appender${clients > 1 ? "s" : ""}${sync ? (onLoop ? ", sync on the loop" : "") : " (sync:false)"}`,
      ops: stats.appends,
      opsPerSec: stats.appends / secs,
      syncsPerSec: stats.syncs / secs,
      p50ms: percentile(latencies, 0.5),
      p99ms: percentile(latencies, 0.99),
    };
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/** One 100-byte append + fdatasync at a time, node:fs FileHandle. */
async function benchRawNode(): Promise<Result> {
  const dir = await tempDir();
  try {
    const fh = await fsp.open(path.join(dir, "raw"), "a");
    const buf = new Uint8Array(100).fill(120);
    let n = 0;
    const start = performance.now();
    const end = start + SECONDS * 1000;
    while (performance.now() < end) {
      await fh.write(buf);
      await fh.datasync();
      n++;
    }
    const secs = (performance.now() - start) / 1000;
    await fh.close();
    return {
      name: "raw write+datasync, node:fs",
      ops: n,
      opsPerSec: n / secs,
      syncsPerSec: n / secs,
      p50ms: 0,
      p99ms: 0,
    };
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/** The same with Deno.FsFile (Deno only), to see whether node:fs costs extra there. */
async function benchRawDeno(): Promise<Result> {
  const dir = await tempDir();
  try {
    const f = await DenoNs.open(path.join(dir, "raw"), { append: true, create: true });
    const buf = new Uint8Array(100).fill(120);
    let n = 0;
    const start = performance.now();
    const end = start + SECONDS * 1000;
    while (performance.now() < end) {
      await f.write(buf);
      await f.syncData();
      n++;
    }
    const secs = (performance.now() - start) / 1000;
    f.close();
    return {
      name: "raw write+datasync, Deno.FsFile",
      ops: n,
      opsPerSec: n / secs,
      syncsPerSec: n / secs,
      p50ms: 0,
      p99ms: 0,
    };
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

const results: Result[] = [];
results.push(await benchRawNode());
if (DenoNs) results.push(await benchRawDeno());
// Pool and loop alternate, twice, so a noisy moment does not favour one.
for (let round = 0; round < 2; round++) {
  results.push(await benchWal(1, true));
  results.push(await benchWal(1, true, true));
}
results.push(await benchWal(64, true));
results.push(await benchWal(64, false));

console.log(`WAL benchmark on ${runtime}, ${SECONDS}s per run, temp dir under ${PARENT}`);
console.log(
  "name".padEnd(42) + "appends/s".padStart(12) + "fsyncs/s".padStart(12) + "p50 ms".padStart(9) + "p99 ms".padStart(9),
);
for (const r of results) {
  console.log(
    r.name.padEnd(42) + r.opsPerSec.toFixed(0).padStart(12) + r.syncsPerSec.toFixed(0).padStart(12) +
      (r.p50ms ? r.p50ms.toFixed(2) : "-").padStart(9) + (r.p99ms ? r.p99ms.toFixed(2) : "-").padStart(9),
  );
}
console.log(JSON.stringify({ runtime, seconds: SECONDS, results }));
