// The idle collector (server/runtime/idle_collector.ts): one collection once
// a member has been quiet for QUIET_MS after its heap grew, never while
// entries are applied or clients answered, and not again until it grows again.

import assert from "node:assert/strict";
import { IdleCollector, MIN_GROWTH_BYTES, QUIET_MS } from "../../server/runtime/idle_collector.ts";

const MiB = 1024 * 1024;

function harness(opts: { collects?: boolean } = {}) {
  const s = { now: 0, applied: 0, answeredAt: -Infinity, heap: 20 * MiB, collections: 0, asked: 0 };
  const collector = new IdleCollector({
    progress: () => s.applied,
    lastAnsweredAt: () => s.answeredAt,
    heapSize: () => s.heap,
    collect: () => {
      s.asked++;
      if (opts.collects === false) return false;
      s.collections++;
      s.heap = 25 * MiB;
      return true;
    },
    now: () => s.now,
  });
  /** Advances the clock by `ms` in one-second looks, as the timer would. */
  const idle = (ms: number) => {
    for (let t = 0; t < ms; t += 1000) {
      s.now += 1000;
      collector.check();
    }
  };
  return { s, collector, idle };
}

Deno.test("idle collector: collects once, QUIET_MS after the last applied entry of a burst that grew the heap", () => {
  const { s, collector, idle } = harness();
  // A burst: entries applied every second, the heap growing.
  for (let i = 0; i < 10; i++) {
    s.applied += 1000;
    s.heap += 20 * MiB;
    s.now += 1000;
    assert.equal(collector.check(), false, "not while entries are applied");
  }
  idle(QUIET_MS - 1000);
  assert.equal(s.collections, 0, "not before QUIET_MS");
  idle(2000);
  assert.equal(s.collections, 1);
  idle(60_000);
  assert.equal(s.collections, 1, "once: nothing grew since");
});

Deno.test("idle collector: clients answered lately (reads) keep it from collecting", () => {
  const { s, idle } = harness();
  s.heap += MIN_GROWTH_BYTES + MiB;
  for (let i = 0; i < 20; i++) {
    s.answeredAt = s.now;
    idle(1000);
  }
  assert.equal(s.collections, 0);
  idle(QUIET_MS + 1000);
  assert.equal(s.collections, 1);
});

Deno.test("idle collector: a heap that grew less than MIN_GROWTH_BYTES, or shrank on its own, is left alone", () => {
  const { s, idle } = harness();
  s.heap += MIN_GROWTH_BYTES - MiB;
  idle(QUIET_MS + 2000);
  assert.equal(s.collections, 0);
  // V8 shrank it meanwhile: growth counts from the lower point.
  s.heap = 10 * MiB;
  idle(2000);
  s.heap = 10 * MiB + MIN_GROWTH_BYTES + MiB;
  idle(2000);
  assert.equal(s.collections, 1);
});

Deno.test("idle collector: a runtime without a collection stops looking", () => {
  const { s, collector, idle } = harness({ collects: false });
  s.heap += MIN_GROWTH_BYTES + MiB;
  idle(QUIET_MS + 1000);
  s.heap += MIN_GROWTH_BYTES;
  idle(QUIET_MS + 1000);
  assert.equal(s.asked, 1, "asked once, then never again");
  collector.stop();
});
