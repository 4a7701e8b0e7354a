import assert from "node:assert/strict";
import { LogTail } from "../../server/storage/log_tail.ts";

function fill(t: LogTail<string>, from: number, to: number, tag: string): void {
  for (let i = from; i <= to; i++) t.put(i, `${tag}${i}`);
}

Deno.test("LogTail appends in order and overwrites drop the rest", () => {
  const t = new LogTail<string>();
  assert.equal(t.lastIndex, 0);
  fill(t, 1, 5, "a");
  t.put(3, "b3");
  assert.deepEqual(t.values(), ["a1", "a2", "b3"]);
  assert.equal(t.lastIndex, 3);
  t.put(4, "b4");
  assert.deepEqual(t.values(), ["a1", "a2", "b3", "b4"]);
  t.put(1, "c1");
  assert.deepEqual(t.values(), ["c1"]);
});

Deno.test("LogTail compaction keeps or drops what follows", () => {
  const t = new LogTail<string>();
  fill(t, 1, 10, "a");
  t.compact(4, true);
  assert.equal(t.firstIndex, 5);
  assert.deepEqual(t.values(), ["a5", "a6", "a7", "a8", "a9", "a10"]);
  assert.equal(t.at(4), undefined);
  assert.equal(t.at(5), "a5");
  t.compact(3, true); // older than the tail: no-op
  assert.equal(t.firstIndex, 5);
  t.compact(20, false);
  assert.equal(t.size, 0);
  assert.equal(t.lastIndex, 20);
  t.put(21, "x");
  assert.deepEqual(t.values(), ["x"]);
});

Deno.test("LogTail restarts at an index outside its range (replay after deleted segments)", () => {
  const t = new LogTail<string>();
  t.put(50, "a50");
  assert.equal(t.firstIndex, 50);
  t.put(51, "a51");
  t.put(70, "b70");
  assert.deepEqual(t.values(), ["b70"]);
  assert.equal(t.firstIndex, 70);
});
