// Kills a writer process with SIGKILL in the middle of a stream of appends,
// reopens the WAL and checks that every index it acknowledged is there.
// Repeated a few times on the same data dir, so recovery of a recovered WAL
// is exercised too.

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Wal } from "../../server/storage/mod.ts";
import { entryData } from "./crash_data.ts";
import { withTempDir } from "./helpers.ts";

const WRITER = fileURLToPath(new URL("./crash_writer.ts", import.meta.url));
const ROUNDS = 4;
const ROUND_TIMEOUT_MS = 30_000;

/** Reads lines from a stream, each read bounded by the deadline. */
class LineReader {
  private buf = "";
  private readonly decoder = new TextDecoder();
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  done = false;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.reader = stream.getReader();
  }

  /** Complete lines read so far (a trailing partial line stays buffered). */
  async read(deadline: number): Promise<string[]> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), Math.max(0, deadline - Date.now()));
    });
    const r = await Promise.race([this.reader.read(), timeout]);
    clearTimeout(timer);
    if (r === "timeout") throw new Error("timed out waiting for the writer");
    if (r.done) {
      this.done = true;
      return [];
    }
    this.buf += this.decoder.decode(r.value, { stream: true });
    const lines = this.buf.split("\n");
    this.buf = lines.pop() as string;
    return lines;
  }

  cancel(): Promise<void> {
    return this.reader.cancel().catch(() => {});
  }
}

Deno.test("SIGKILL during appends loses no acknowledged entry", async () => {
  await withTempDir(async (dir) => {
    const acked = new Set<number>();
    for (let round = 0; round < ROUNDS; round++) {
      const target = 300 + Math.floor(Math.random() * 1200);
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", WRITER, dir],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const out = new LineReader(child.stdout);
      const stderr = new Response(child.stderr).text();
      const deadline = Date.now() + ROUND_TIMEOUT_MS;
      let ackedThisRound = 0;
      const take = (lines: string[]) => {
        for (const line of lines) {
          const m = /^ack (\d+)$/.exec(line);
          if (m) {
            acked.add(Number(m[1]));
            ackedThisRound++;
          }
        }
      };
      try {
        while (ackedThisRound < target && !out.done) take(await out.read(deadline));
        child.kill("SIGKILL");
        // What it printed before dying is still in the pipe: those were acknowledged too.
        while (!out.done) take(await out.read(deadline));
      } finally {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
        await out.cancel();
      }
      const status = await child.status;
      const errText = await stderr;
      assert.equal(status.signal, "SIGKILL", `writer should have been killed, not exited: ${errText}`);
      assert.ok(ackedThisRound >= target, `round ${round}: only ${ackedThisRound} acks; stderr: ${errText}`);

      const { wal, recovered } = await Wal.open(dir);
      const snapAt = recovered.snapshot?.index ?? 0;
      if (recovered.snapshot) assert.equal(recovered.snapshot.data, `upto:${snapAt}`);
      const byIndex = new Map(recovered.entries.map((e) => [e.index, e]));
      recovered.entries.forEach((e, k) => assert.equal(e.index, snapAt + 1 + k, "entries are contiguous"));
      for (const i of acked) {
        if (i <= snapAt) continue;
        const e = byIndex.get(i);
        assert.ok(e, `round ${round}: acknowledged index ${i} is missing (snapshot ${snapAt}, last ${wal.lastIndex})`);
        assert.equal(e.data, entryData(i));
      }
      assert.ok(wal.lastIndex >= Math.max(...acked));
      await wal.close();
    }
  });
});
