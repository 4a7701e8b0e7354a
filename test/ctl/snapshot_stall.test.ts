// `ctl snapshot save` against an endpoint that accepts and closes every
// connection unanswered: on Node such a fetch could stay pending with
// nothing keeping the process up, and the command exited 0 having saved
// nothing. It must fail, say why, and write no file.

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runOursProcess } from "./helpers.ts";

for (const runtime of ["deno", "node"] as const) {
  Deno.test({
    name: `ctl snapshot save on ${runtime}: an endpoint that hangs up fails the command, no file`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const server = net.createServer((s) => s.destroy());
      await new Promise<void>((r) => server.listen(0, "127.0.18.1", r));
      const port = (server.address() as net.AddressInfo).port;
      const dir = mkdtempSync(join(tmpdir(), "snapstall-"));
      try {
        const file = join(dir, "x.db");
        const run = await runOursProcess(runtime, ["--endpoints", `http://127.0.18.1:${port}`, "--command-timeout", "2s", "snapshot", "save", file], { timeoutMs: 30_000 });
        assert.notEqual(run.code, 0, `exit code ${run.code}; stderr: ${run.stderr}`);
        assert.match(run.stderr, /could not save a snapshot/);
        assert.equal(existsSync(file), false);
        assert.equal(existsSync(file + ".part"), false);
      } finally {
        server.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  });
}
