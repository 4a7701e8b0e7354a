// Crash consistency of a real member's write-ahead log: a torn tail (the
// last record cut short by a crash) recovers to the last complete record;
// a damaged record with good ones after it stops the member with a message
// naming the file and offset, and it serves nothing.

import assert from "node:assert/strict";
import { readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { call } from "../helpers/http.ts";
import { runtimesUnderTest, type ServerHandle, startServer, tempDir } from "../helpers/server.ts";
import { HEADER_BYTES, lastSegment, records, recordWriting, writtenEnd } from "./durability_disk.ts";

const N = 40;

async function writeKeys(srv: ServerHandle, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    const r = await call("PUT", `${srv.clientUrl}/v2/keys/wal/k${i}`, { value: `v${i}` });
    assert.ok(r.status === 200 || r.status === 201, `write k${i}: ${r.status}`);
  }
}

/** How many of k0..k(n-1) the member has; asserts they form a prefix with the right values. */
async function presentPrefix(srv: ServerHandle, n: number): Promise<number> {
  let present = 0;
  let gap = false;
  for (let i = 0; i < n; i++) {
    const r = await call("GET", `${srv.clientUrl}/v2/keys/wal/k${i}?quorum=true`);
    if (r.status === 404) {
      gap = true;
      continue;
    }
    assert.equal(r.status, 200);
    assert.ok(!gap, `k${i} survived but an earlier write did not`);
    assert.equal(r.json.node.value, `v${i}`);
    present++;
  }
  return present;
}

for (const runtime of runtimesUnderTest()) {
  Deno.test({
    name: `a WAL tail torn by a crash recovers to the last complete record, and the log goes on from there (${runtime})`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const dataDir = `${tempDir("durability-torn-")}/data`;
      const srv = await startServer({ runtime, dataDir });
      try {
        await writeKeys(srv, 0, N);
        await srv.kill();

        // Cut the last record short by a few bytes: its payload is incomplete.
        const seg = lastSegment(dataDir);
        const recs = records(seg);
        truncateSync(seg, writtenEnd(seg) - 3);
        await srv.restart();
        assert.match(srv.output(), /recovered from a torn write-ahead log tail/);
        let present = await presentPrefix(srv, N);
        // Each write was its own record: at most the last one is gone.
        assert.ok(present >= N - 1, `only ${present} of ${N} writes survived cutting 3 bytes`);

        // Now cut in the middle of the header of the record holding k(N-3):
        // exactly k0..k(N-4) remain.
        await srv.kill();
        const seg2 = lastSegment(dataDir);
        const rec = recordWriting(seg2, `/wal/k${N - 3}`);
        assert.ok(rec, `no record writes /wal/k${N - 3}`);
        truncateSync(seg2, rec.offset + HEADER_BYTES / 2);
        await srv.restart();
        assert.match(srv.output(), /recovered from a torn write-ahead log tail/);
        present = await presentPrefix(srv, N);
        assert.equal(present, N - 3, "everything before the cut record and nothing after it");

        // Zeros after the last record (a preallocated or half-flushed page) are a torn tail too.
        await writeKeys(srv, N, N + 5);
        await srv.kill();
        const seg3 = lastSegment(dataDir);
        writeFileSync(seg3, new Uint8Array(4096), { flag: "a" });
        await srv.restart();
        const after = await call("GET", `${srv.clientUrl}/v2/keys/wal/k${N + 4}?quorum=true`);
        assert.equal(after.status, 200, "writes made after a repaired tail survive the next crash");
        assert.equal(after.json.node.value, `v${N + 4}`);
        const more = await call("PUT", `${srv.clientUrl}/v2/keys/wal/more`, { value: "x" });
        assert.equal(more.status, 201);
        assert.ok(recs.length > N, `expected a record per write, found ${recs.length}`);
      } finally {
        await srv.stop();
        rmSync(dirname(dataDir), { recursive: true, force: true });
      }
    },
  });

  Deno.test({
    name: `a damaged record in the middle of the WAL stops the member with the file and offset, serving nothing (${runtime})`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const dataDir = `${tempDir("durability-corrupt-")}/data`;
      const srv = await startServer({ runtime, dataDir });
      let again: ServerHandle | undefined;
      try {
        await writeKeys(srv, 0, N);
        await srv.kill();
        const seg = lastSegment(dataDir);
        const recs = records(seg);
        const victim = recs[Math.floor(recs.length / 2)];
        const bytes = readFileSync(seg);
        bytes[victim.offset + HEADER_BYTES + 1] ^= 0x40;
        writeFileSync(seg, bytes);

        again = await startServer({ runtime, dataDir, waitReady: false });
        const t0 = Date.now();
        while (again.exitCode() === null && Date.now() - t0 < 15_000) await new Promise((r) => setTimeout(r, 50));
        const code = again.exitCode();
        assert.ok(code !== null && code !== 0, `the member kept running or exited 0 (${code}):\n${again.output()}`);
        const out = again.output();
        assert.ok(out.includes(seg), `the message names the segment ${seg}:\n${out}`);
        assert.match(out, new RegExp(`payload checksum mismatch.*offset ${victim.offset}`));
        assert.match(out, /refusing to start/);
        await assert.rejects(fetch(`${again.clientUrl}/v2/keys/wal/k0`, { signal: AbortSignal.timeout(2000) }), "nothing listens for clients");
        // The damaged file is left as it was for a human to look at.
        assert.deepEqual(new Uint8Array(readFileSync(seg)), new Uint8Array(bytes));
      } finally {
        await again?.kill();
        await srv.stop();
        rmSync(dirname(dataDir), { recursive: true, force: true });
      }
    },
  });
}
