// Child process for wal_crash.test.ts: appends to the WAL in <dataDir> as
// fast as it can, from 16 concurrent "clients", printing "ack <index>" after
// each append resolves (is durable). Snapshots every 200 entries and uses
// small segments so rollover and trimming happen under load. The test kills
// it with SIGKILL at a random moment.
//
//   deno run -A test/storage/crash_writer.ts <dataDir>

import { Wal } from "../../server/storage/mod.ts";
import { entryData } from "./crash_data.ts";

const SEGMENT_BYTES = 16 * 1024;
const dataDir = Deno.args[0];
if (!dataDir) {
  console.error("usage: crash_writer.ts <dataDir>");
  Deno.exit(2);
}

let wal: Wal;
if (await Wal.exists(dataDir)) {
  wal = (await Wal.open(dataDir, { segmentBytes: SEGMENT_BYTES })).wal;
} else {
  wal = await Wal.create(dataDir, "crash-test", { segmentBytes: SEGMENT_BYTES });
}
let next = wal.lastIndex + 1;
console.log(`ready ${next}`);

let snapshotting = false;
async function client(): Promise<never> {
  while (true) {
    const i = next++;
    await wal.append([{ index: i, term: 1, type: "normal", data: entryData(i) }], { term: 1, vote: "", commit: i });
    console.log(`ack ${i}`);
    if (i % 200 === 0 && !snapshotting) {
      snapshotting = true;
      const at = i - 100;
      wal.saveSnapshot({ index: at, term: 1, meta: "{}", data: `upto:${at}` }).finally(() => (snapshotting = false));
    }
  }
}

await Promise.all(Array.from({ length: 16 }, client));
