// A crash anywhere in saving a snapshot loses nothing. Saving is: write the
// snapshot file (temp file, fsync, rename), put a marker in the WAL, then
// delete segments the snapshot covers. A real member takes snapshots under
// load and is killed; then its data dir is put into the state of a crash at
// each step and it must come back with exactly what it had. A damaged
// snapshot file, on the other hand, stops it with a clear message.

import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { call, etcdIndex } from "../helpers/http.ts";
import { runtimesUnderTest, type ServerHandle, startServer, tempDir } from "../helpers/server.ts";
import { waitFor } from "../helpers/ports.ts";
import { snapDir } from "../../server/storage/layout.ts";
import { dropSnapshotMarker, newestMarker, snapshotFiles } from "./durability_disk.ts";

async function writeKeys(srv: ServerHandle, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += 10) {
    const batch = Array.from({ length: Math.min(10, to - i) }, (_, j) => i + j);
    const rs = await Promise.all(batch.map((k) => call("PUT", `${srv.clientUrl}/v2/keys/snapcrash/d${k % 4}/k${k}`, { value: `v${k}` })));
    for (const r of rs) assert.ok(r.status === 200 || r.status === 201, `write: ${r.status}`);
  }
}

async function everything(srv: ServerHandle): Promise<{ body: unknown; index: number }> {
  const r = await call("GET", `${srv.clientUrl}/v2/keys/snapcrash?recursive=true&sorted=true&quorum=true`);
  assert.equal(r.status, 200);
  return { body: r.json, index: etcdIndex(r) };
}

/** Waits for the member to log `n` snapshots in its current run. */
async function snapshotsSaved(srv: ServerHandle, n: number): Promise<void> {
  await waitFor(() => srv.output().split("saved snapshot at index").length - 1 >= n, { timeoutMs: 10_000, what: `${n} snapshot(s) saved` });
}

const hex = (n: number) => n.toString(16).padStart(16, "0");

for (const runtime of runtimesUnderTest()) {
  Deno.test({
    name: `a crash between writing a snapshot and trimming the log loses nothing; a damaged snapshot stops the member (${runtime})`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const dataDir = `${tempDir("durability-snapcrash-")}/data`;
      const srv = await startServer({ runtime, dataDir, args: ["--snapshot-count", "30"] });
      let broken: ServerHandle | undefined;
      try {
        await writeKeys(srv, 0, 100);
        await snapshotsSaved(srv, 2);
        const before = await everything(srv);
        await srv.kill();

        // 1. The newest snapshot file is durable, its marker never reached
        //    the log, and a newer snapshot was half written (.tmp).
        const marker = newestMarker(dataDir);
        assert.ok(marker, "the log holds a snapshot marker");
        const snaps = snapshotFiles(dataDir);
        assert.ok(snaps.some((s) => s.endsWith(`${hex(marker.index)}.snap`)), `snapshot file for ${marker.index} in ${snaps}`);
        assert.ok(dropSnapshotMarker(dataDir, marker.index) >= 1);
        assert.ok((newestMarker(dataDir)?.index ?? 0) < marker.index);
        writeFileSync(join(snapDir(dataDir), `${"f".repeat(16)}-${"f".repeat(16)}.snap.tmp`), new Uint8Array(100).fill(7));
        await srv.restart();
        let after = await everything(srv);
        assert.deepEqual(after.body, before.body, "same keys and values after a crash before the marker");
        assert.equal(after.index, before.index);
        // The member goes on and snapshots again over the orphaned file.
        await writeKeys(srv, 100, 160);
        await snapshotsSaved(srv, 1);
        const before2 = await everything(srv);
        await srv.kill();

        // 2. The marker is in the log but no segment was trimmed yet: what a
        //    kill -9 leaves when segments are far from full.
        await srv.restart();
        after = await everything(srv);
        assert.deepEqual(after.body, before2.body, "same keys and values after a crash before the trim");
        assert.equal(after.index, before2.index);
        const w = await call("PUT", `${srv.clientUrl}/v2/keys/snapcrash/last`, { value: "x" });
        assert.equal(w.status, 201);
        await srv.kill();

        // 3. Not a crash but bad media: the snapshot the log points at is
        //    damaged. The member must refuse to start rather than serve a
        //    store rebuilt without it.
        const newest = newestMarker(dataDir)!;
        const snapFile = join(snapDir(dataDir), `${hex(newest.term)}-${hex(newest.index)}.snap`);
        const bytes = readFileSync(snapFile);
        bytes[Math.floor(bytes.length / 2)] ^= 0x01;
        writeFileSync(snapFile, bytes);
        broken = await startServer({ runtime, dataDir, waitReady: false });
        const t0 = Date.now();
        while (broken.exitCode() === null && Date.now() - t0 < 15_000) await new Promise((r) => setTimeout(r, 50));
        assert.ok((broken.exitCode() ?? 0) !== 0, `the member kept running or exited 0:\n${broken.output()}`);
        assert.ok(broken.output().includes(snapFile), `the message names ${snapFile}:\n${broken.output()}`);
        assert.match(broken.output(), /refusing to start/);
      } finally {
        await broken?.kill();
        await srv.stop();
        rmSync(dirname(dataDir), { recursive: true, force: true });
      }
    },
  });
}
