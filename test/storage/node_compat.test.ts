// The storage code must run on Node too (the server is bundled with esbuild
// for Node). Bundle node_smoke.ts, run it with `node`, check what it saw.

import assert from "node:assert/strict";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { withTempDir } from "./helpers.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd: root, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, `${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  return text;
}

Deno.test("the WAL works on Node after bundling with esbuild", async () => {
  await withTempDir(async (dir) => {
    const bundle = path.join(dir, "node_smoke.mjs");
    await run(path.join(root, "node_modules/.bin/esbuild"), [
      path.join(here, "node_smoke.ts"),
      "--bundle",
      "--platform=node",
      "--format=esm",
      `--outfile=${bundle}`,
      "--log-level=warning",
    ]);
    const data = path.join(dir, "data");
    await fsp.mkdir(data);
    const seen = JSON.parse(await run("node", [bundle, data]));
    assert.match(seen.runtime, /^v\d+/);
    assert.ok(seen.segmentsBefore > 3, `rolled over (${seen.segmentsBefore})`);
    assert.ok(seen.segmentsAfter < seen.segmentsBefore, "the snapshot trimmed old segments");
    assert.equal(seen.appends, 400);
    assert.ok(seen.syncs < 150, `group commit on node: ${seen.syncs} syncs`);
    assert.equal(seen.metadata, "node-meta");
    assert.equal(seen.snapshot, "snap-350");
    assert.equal(seen.first, 351);
    assert.equal(seen.last, 400, "the torn entry 401 is cut off");
    assert.deepEqual(seen.hardState, { term: 1, vote: "a", commit: 300 });
    assert.ok(seen.repaired > 0);
    assert.equal(seen.crcAgrees, true, "zlib's crc32 is used under node and agrees with ours");
  });
});
