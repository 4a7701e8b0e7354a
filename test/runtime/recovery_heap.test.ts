// server/runtime/recovery_heap.ts on its own: one full collection frees what
// nothing references (in this Deno process), and under Node, whose
// executable is what users run, holding the young generation keeps it at its
// starting size while surviving objects pile up (the module is bundled with
// esbuild and run by node).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as esbuild from "esbuild";
import { collectGarbageNow } from "../../server/runtime/recovery_heap.ts";

const root = resolve(new URL("../..", import.meta.url).pathname);

Deno.test("collectGarbageNow: an object nothing references is gone after it", async () => {
  let ref: WeakRef<object> | undefined;
  (() => {
    ref = new WeakRef({ payload: new Array(10_000).fill("x") });
  })();
  // A WeakRef's target lives at least until the end of the turn that made it.
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(collectGarbageNow(), true);
  assert.equal(ref!.deref(), undefined);
});

const PROBE = `
import v8 from "node:v8";
import { holdYoungGeneration } from ${JSON.stringify(join(root, "server/runtime/recovery_heap.ts"))};
const young = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size;
function pile(n) { const keep = []; for (let i = 0; i < n; i++) keep.push({ i, s: "x" + i, a: [i, i] }); return keep; }
const release = holdYoungGeneration();
const kept = pile(300000);
const held = young();
release();
const more = pile(300000);
console.log(JSON.stringify({ held, released: young(), kept: kept.length + more.length }));
`;

Deno.test({
  name: "holdYoungGeneration under Node: the young generation keeps its size while held, grows once released",
  sanitizeResources: false,
  async fn() {
    const dir = mkdtempSync(join(tmpdir(), "recovery-heap-"));
    try {
      writeFileSync(join(dir, "probe.mjs"), PROBE);
      await esbuild.build({
        entryPoints: [join(dir, "probe.mjs")],
        bundle: true,
        platform: "node",
        format: "esm",
        outfile: join(dir, "probe.bundle.mjs"),
        logLevel: "error",
      });
      const run = spawnSync("node", [join(dir, "probe.bundle.mjs")], { encoding: "utf8", timeout: 60_000 });
      assert.equal(run.status, 0, run.stderr);
      const { held, released } = JSON.parse(run.stdout) as { held: number; released: number };
      const MiB = 1024 * 1024;
      assert.ok(held <= 4 * MiB, `held: ${held / MiB} MiB`);
      // The same pile of survivors without the hold grows it: the probe can tell the two apart.
      assert.ok(released >= 8 * MiB, `released: ${released / MiB} MiB`);
    } finally {
      await esbuild.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
});
