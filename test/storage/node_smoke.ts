// Bundled with esbuild and run under Node by node_compat.test.ts: exercises
// create, group commit, rollover, snapshots, reopen and torn-tail repair on
// Node's fs, and prints one JSON line with what it saw.
//
//   node <bundle> <dataDir>

import * as fsp from "node:fs/promises";
import process from "node:process";
import { Wal } from "../../server/storage/mod.ts";
import { walDir } from "../../server/storage/layout.ts";
import { crc32, crc32InJs, usesZlibCrc32 } from "../../server/storage/crc32.ts";

const dir = process.argv[2];
const opts = { segmentBytes: 2048 };
const wal = await Wal.create(dir, "node-meta", opts);
const calls: Promise<void>[] = [];
for (let i = 1; i <= 300; i++) {
  calls.push(
    wal.append([{ index: i, term: 1, type: "normal", data: `{"i":${i}}` }], { term: 1, vote: "a", commit: i }),
  );
}
await Promise.all(calls);
for (let i = 301; i <= 400; i++) await wal.append([{ index: i, term: 1, type: "normal", data: `{"i":${i}}` }]);
const segmentsBefore = (await fsp.readdir(walDir(dir))).length;
await wal.saveSnapshot({ index: 350, term: 1, meta: "{}", data: "snap-350" });
const stats = wal.stats;
await wal.close();

// Tear the last record in half.
const segs = (await fsp.readdir(walDir(dir))).filter((n) => n.endsWith(".wal")).sort();
const last = `${walDir(dir)}/${segs[segs.length - 1]}`;
const { wal: w1 } = await Wal.open(dir, opts);
await w1.append([{ index: 401, term: 2, type: "normal", data: "x".repeat(100) }]);
await w1.close();
const size = (await fsp.stat(last)).size;
await fsp.truncate(last, size - 50);

const { wal: w2, recovered } = await Wal.open(dir, opts);
await w2.close();
console.log(JSON.stringify({
  runtime: process.version,
  segmentsBefore,
  segmentsAfter: segs.length,
  appends: stats.appends,
  syncs: stats.syncs,
  metadata: recovered.metadata,
  snapshot: recovered.snapshot?.data,
  first: recovered.entries[0]?.index,
  last: recovered.entries.at(-1)?.index,
  hardState: recovered.hardState,
  repaired: recovered.tailRepair?.droppedBytes,
  // Node's zlib.crc32 (long ranges) against ours, on 64 KiB of varied bytes.
  crcAgrees: (() => {
    const bytes = new Uint8Array(65536).map((_, i) => (i * 2654435761) >>> 24);
    return usesZlibCrc32() && crc32(bytes) === crc32InJs(bytes) && crc32(bytes, 7, 60007) === crc32InJs(bytes, 7, 60007);
  })(),
}));
