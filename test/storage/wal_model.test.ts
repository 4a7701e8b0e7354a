// Randomized test against a model: random appends (with overwrites), hard
// states, local and leader snapshots, concurrent calls, small segments, and
// reopening at random points. After every reopen the recovered state must
// equal the model's.

import assert from "node:assert/strict";
import { type HardState, Wal, type WalEntry } from "../../server/storage/mod.ts";
import { withTempDir } from "./helpers.ts";

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The log as the Raft core would see it, kept the simplest possible way. */
class Model {
  snapIndex = 0;
  snapTerm = 0;
  snapData = "";
  log: WalEntry[] = []; // log[k].index === snapIndex + 1 + k
  hardState: HardState | null = null;

  get lastIndex(): number {
    return this.snapIndex + this.log.length;
  }

  termAt(i: number): number | undefined {
    return i === this.snapIndex ? this.snapTerm : this.log[i - this.snapIndex - 1]?.term;
  }

  append(es: WalEntry[]): void {
    for (const e of es) {
      this.log.length = e.index - this.snapIndex - 1;
      this.log.push(e);
    }
  }

  snapshot(index: number, term: number, data: string): void {
    this.log = this.termAt(index) === term ? this.log.slice(index - this.snapIndex) : [];
    this.snapIndex = index;
    this.snapTerm = term;
    this.snapData = data;
  }
}

async function runSeed(seed: number, dir: string): Promise<void> {
  const rand = rng(seed);
  const pick = (n: number) => Math.floor(rand() * n);
  const opts = { sync: false, segmentBytes: 200 + pick(3000) };
  let wal = await Wal.create(dir, `meta-${seed}`, opts);
  const m = new Model();
  let term = 1;

  for (let step = 0; step < 150; step++) {
    const r = rand();
    const inFlight: Promise<void>[] = [];
    // A few calls issued together, so they share batches.
    const calls = 1 + pick(4);
    for (let c = 0; c < calls; c++) {
      if (r < 0.75 || m.lastIndex === 0) {
        // From one past the end, or overwriting back to (but not into) the snapshot.
        const start = rand() < 0.8 ? m.lastIndex + 1 : m.snapIndex + 1 + pick(m.lastIndex - m.snapIndex + 1);
        if (start < m.lastIndex + 1) term++;
        const es: WalEntry[] = [];
        for (let i = start; i < start + 1 + pick(6); i++) {
          es.push({ index: i, term, type: rand() < 0.1 ? "confChange" : "normal", data: `s${seed}/${step}/${i}` });
        }
        const hs = rand() < 0.5 ? { term, vote: `n${pick(3)}`, commit: pick(start) } : undefined;
        m.append(es);
        if (hs) m.hardState = hs;
        inFlight.push(wal.append(es, hs));
      } else if (r < 0.87) {
        // Local snapshot at an index in the log.
        if (m.lastIndex > m.snapIndex || m.snapIndex > 0) {
          // Now and then the current snapshot again (the same index and term).
          const at = m.snapIndex > 0 && (rand() < 0.15 || m.lastIndex === m.snapIndex)
            ? m.snapIndex
            : m.snapIndex + 1 + pick(m.lastIndex - m.snapIndex);
          const t = m.termAt(at)!;
          m.snapshot(at, t, `snap${at}`);
          inFlight.push(wal.saveSnapshot({ index: at, term: t, meta: "{}", data: `snap${at}` }));
        }
      } else if (r < 0.93) {
        // Snapshot from a leader: matching or not, possibly past the end.
        term++;
        const at = m.snapIndex + 1 + pick(m.lastIndex - m.snapIndex + 10);
        m.snapshot(at, term, `lead${at}`);
        inFlight.push(wal.saveSnapshot({ index: at, term, meta: "{}", data: `lead${at}` }));
      } else {
        inFlight.push(wal.append([], m.hardState = { term, vote: "", commit: m.snapIndex }));
      }
    }
    await Promise.all(inFlight);

    if (rand() < 0.1 || step === 149) {
      await wal.close();
      const opened = await Wal.open(dir, opts);
      wal = opened.wal;
      const rec = opened.recovered;
      const where = `seed ${seed} step ${step}`;
      assert.equal(rec.metadata, `meta-${seed}`, where);
      assert.deepEqual(rec.entries, m.log, where);
      assert.deepEqual(rec.hardState, m.hardState, where);
      assert.equal(rec.snapshot?.index ?? 0, m.snapIndex, where);
      assert.equal(rec.snapshot?.term ?? 0, m.snapTerm, where);
      assert.equal(rec.snapshot?.data ?? "", m.snapData, where);
      assert.equal(rec.tailRepair, null, where);
      assert.equal(wal.lastIndex, m.lastIndex, where);
    }
  }
  await wal.close();
}

Deno.test("randomized: recovery always equals the model (40 seeds)", async () => {
  for (let seed = 1; seed <= 40; seed++) {
    await withTempDir((dir) => runSeed(seed, dir));
  }
});
