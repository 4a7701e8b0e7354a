// The differential tests' comparison (compare.ts): TTLs may tick down by a
// second between the two clients' runs; nothing else may differ.

import assert from "node:assert/strict";
import { sameRun } from "./compare.ts";

const run = (stdout: string) => ({ stdout, stderr: "", code: 0 });

Deno.test("compare: TTLs one second apart are the same run, anything more is not", () => {
  const json = (ttl: number, v = "x") => `{"key":"/i","value":"${v}","ttl":${ttl}}\n`;
  assert.ok(sameRun(run(json(28)), run(json(28))));
  assert.ok(sameRun(run(json(28)), run(json(27))), "ticked down between the runs");
  assert.ok(sameRun(run("Key: /i\nTTL: 28\n"), run("Key: /i\nTTL: 27\n")), "-o extended");
  assert.ok(!sameRun(run(json(28)), run(json(26))), "two seconds apart");
  assert.ok(!sameRun(run(json(28)), run(json(27, "y"))), "another value");
  assert.ok(!sameRun(run(json(28)), run(`{"key":"/i","value":"x"}\n`)), "a TTL missing");
  assert.ok(!sameRun(run(json(28)), { stdout: json(28), stderr: "", code: 1 }), "another exit code");
});
