// `etcd ctl` as a process on each runtime (Deno from source, Node from the
// bundle): exit codes, standard input, Ctrl-C during a watch, --version,
// and the bundle acting as etcdctl when invoked under that name.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { cleanup, runtimesUnderTest, startServer } from "../helpers/server.ts";
import { root, runOursProcess, runProcess, waitPublished } from "./helpers.ts";
import { VERSION } from "../../server/version.ts";

for (const runtime of runtimesUnderTest()) {
  Deno.test({
    name: `etcd ctl as a process on ${runtime}`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const srv = await startServer({ runtime });
      const ep = ["--endpoints", srv.clientUrl];
      try {
        await waitPublished(srv.clientUrl);
        await t.step("set, get, and a missing key (exit 4)", async () => {
          const set = await runOursProcess(runtime, [...ep, "set", "a", "1"]);
          assert.deepEqual([set.stdout, set.stderr, set.code], ["1\n", "", 0]);
          const miss = await runOursProcess(runtime, [...ep, "get", "nope"]);
          assert.equal(miss.code, 4);
          assert.match(miss.stderr, /^Error: {2}100: Key not found \(\/nope\) \[\d+\]\n$/);
        });

        await t.step("a value missing from the arguments is read from standard input", async () => {
          const set = await runOursProcess(runtime, [...ep, "set", "b"], { stdin: "from stdin" });
          assert.deepEqual([set.stdout, set.code], ["from stdin\n", 0]);
          const empty = await runOursProcess(runtime, [...ep, "set", "c"], { stdin: "" });
          assert.deepEqual([empty.stderr, empty.code], ["Error:  value required\n", 1]);
        });

        await t.step("Ctrl-C ends a waiting watch with status 0", async () => {
          const w = await runOursProcess(runtime, [...ep, "watch", "--forever", "/never"], { interruptAfterMs: 2500 });
          assert.deepEqual([w.stdout, w.stderr, w.code, w.signal], ["", "", 0, null]);
        });

        await t.step("--version", async () => {
          const v = await runOursProcess(runtime, ["--version"]);
          assert.equal(v.stdout, `etcdctl version: ${VERSION}\nAPI version: 2\n`);
        });

        if (runtime === "node") {
          await t.step("the bundle invoked as etcdctl is the client", async () => {
            const dir = mkdtempSync(join(tmpdir(), "ctl-name-"));
            try {
              symlinkSync(join(root, "dist/etcd.js"), join(dir, "etcdctl"));
              const node = process.execPath.endsWith("deno") ? "node" : process.execPath;
              const r = await runProcess(node, [join(dir, "etcdctl"), ...ep, "get", "a"]);
              assert.deepEqual([r.stdout, r.stderr, r.code], ["1\n", "", 0]);
            } finally {
              rmSync(dir, { recursive: true, force: true });
            }
          });
        }
      } finally {
        await srv.stop();
        cleanup(srv.dataDir);
      }
    },
  });
}
