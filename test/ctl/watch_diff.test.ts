// Watches that wait, run forever or run programs, compared between our
// `etcd ctl` and Debian's etcdctl (API 2) on the same server: both watch at
// the same time, the test writes, then interrupts them as Ctrl-C would.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { call } from "../helpers/http.ts";
import { waitFor } from "../helpers/ports.ts";
import { cleanup, runtimesUnderTest, type ServerHandle, startServer } from "../helpers/server.ts";
import { type CtlRun, ETCDCTL_BIN, ETCDCTL_MISSING, runEtcdctl, runOurs, waitPublished } from "./helpers.ts";

async function index(srv: ServerHandle): Promise<number> {
  const r = await fetch(`${srv.clientUrl}/v2/keys/`, { method: "HEAD", signal: AbortSignal.timeout(5000) });
  await r.body?.cancel();
  return Number(r.headers.get("x-etcd-index"));
}

/**
 * Runs etcdctl and ours with the same arguments at once, does `act`, then
 * interrupts etcdctl once `done` holds for its output, and ours half a
 * second later (ours runs in-process and shows its output only at the end).
 */
async function both(srv: ServerHandle, args: string[], done: (stdout: string) => boolean, act: () => Promise<void>): Promise<{ theirs: CtlRun; ours: CtlRun }> {
  const full = ["--endpoints", srv.clientUrl, ...args];
  const stop = new AbortController();
  const theirs = runEtcdctl(full, { interruptWhen: done, timeoutMs: 15_000 });
  const ours = runOurs(full, { interrupt: stop.signal, timeoutMs: 20_000 });
  try {
    await act();
    const t = await theirs;
    await new Promise((r) => setTimeout(r, 500));
    return { theirs: { stdout: t.stdout, stderr: t.stderr, code: t.code }, ours: await (stop.abort(), ours) };
  } finally {
    stop.abort();
    await Promise.allSettled([theirs, ours]);
  }
}

Deno.test({
  name: "watch, watch --forever and exec-watch behave like etcdctl's",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    if (!existsSync(ETCDCTL_BIN)) throw new Error(ETCDCTL_MISSING);
    const srv = await startServer({ runtime: runtimesUnderTest()[0] });
    const K = (p: string) => `${srv.clientUrl}/v2/keys${p}`;
    try {
      await waitPublished(srv.clientUrl);
      await t.step("a waiting watch prints the next change and exits 0", async () => {
        const full = ["--endpoints", srv.clientUrl, "watch", "/w1"];
        const theirs = runEtcdctl(full, { timeoutMs: 15_000 });
        const ours = runOurs(full, { timeoutMs: 15_000 });
        // Both must be waiting before the change; the store keeps history, so a late start would still see it.
        await new Promise((r) => setTimeout(r, 1000));
        await call("PUT", K("/w1"), { value: "hello" });
        const [a, b] = await Promise.all([theirs, ours]);
        assert.deepEqual({ stdout: b.stdout, stderr: b.stderr, code: b.code }, { stdout: a.stdout, stderr: a.stderr, code: a.code });
        assert.equal(b.stdout, "hello\n");
      });

      await t.step("watch --forever --recursive prints every change until interrupted", async () => {
        const from = await index(srv);
        const writes = async () => {
          await call("PUT", K("/f/a"), { value: "1" });
          await call("PUT", K("/f/dir?dir=true"));
          await call("PUT", K("/f/a"), { value: "2" });
          await call("PUT", K("/f/b?prevExist=false"), { value: "3" });
          await call("DELETE", K("/f/a"));
          await call("PUT", K("/f/c"), { value: "x" });
        };
        const { theirs, ours } = await both(srv, ["watch", "--forever", "-r", "--after-index", String(from), "/f"], (out) => out.includes("[set] /f/c"), writes);
        assert.equal(theirs.code, 0);
        assert.deepEqual(ours, { stdout: theirs.stdout, stderr: theirs.stderr, code: theirs.code });
        assert.match(ours.stdout, /\[delete\] \/f\/a\nPrevNode.Value: 2\n/);
      });

      await t.step("-o extended and -o json watches answered from history", async () => {
        const from = (await index(srv)) - 3;
        for (const fmt of ["extended", "json"]) {
          const args = ["--endpoints", srv.clientUrl, "-o", fmt, "watch", "-r", "--after-index", String(from), "/f"];
          const [a, b] = await Promise.all([runEtcdctl(args), runOurs(args)]);
          assert.deepEqual({ stdout: b.stdout, stderr: b.stderr, code: b.code }, { stdout: a.stdout, stderr: a.stderr, code: a.code });
        }
      });

      await t.step("exec-watch runs the program with the event in its environment", async () => {
        const program = ["sh", "-c", 'echo "$ETCD_WATCH_ACTION $ETCD_WATCH_KEY=$ETCD_WATCH_VALUE @$ETCD_WATCH_MODIFIED_INDEX"'];
        // The two argument orders that work with etcdctl: the key right after
        // a flag, then "--" and the program; or the program, then the key last.
        const forms = [
          (from: number, key: string) => ["exec-watch", "--after-index", String(from), "--recursive", key, "--", ...program],
          (from: number, key: string) => ["exec-watch", "--after-index", String(from), "-r", ...program, key],
        ];
        for (const [i, form] of forms.entries()) {
          const from = await index(srv);
          const key = `/x${i}`;
          const writes = async () => {
            await call("PUT", K(`${key}/d?dir=true`));
            await call("PUT", K(`${key}/k`), { value: "v1" });
          };
          const { theirs, ours } = await both(srv, form(from, key), (out) => out.includes(`${key}/k=v1`), writes);
          assert.deepEqual(ours, { stdout: theirs.stdout, stderr: theirs.stderr, code: theirs.code });
          assert.equal(ours.stdout, `set ${key}/k=v1 @${from + 2}\n`);
          assert.equal(ours.stderr, `Ignored dir ${key}/d change\n`);
        }
      });

      await t.step("exec-watch of a program that does not exist exits 1", async () => {
        const from = (await index(srv)) - 1;
        const args = ["--endpoints", srv.clientUrl, "exec-watch", "--after-index", String(from), "-r", "no-such-program-xyz", "/x1"];
        const [a, b] = await Promise.all([runEtcdctl(args), runOurs(args)]);
        assert.deepEqual({ stdout: b.stdout, stderr: b.stderr, code: b.code }, { stdout: a.stdout, stderr: a.stderr, code: a.code });
        assert.equal(b.code, 1);
      });

      await t.step("a watch whose history was cleared fails with 401 and exit 4", async () => {
        const start = await index(srv);
        for (let i = 0; i < 1005; i += 50) {
          await Promise.all(Array.from({ length: 50 }, (_, j) => call("PUT", K(`/h/${(i + j) % 7}`), { value: String(i + j) })));
        }
        await waitFor(async () => (await index(srv)) >= start + 1000, { timeoutMs: 10_000, what: "1000 writes" });
        const args = ["--endpoints", srv.clientUrl, "watch", "--after-index", String(start), "/h/1"];
        const [a, b] = await Promise.all([runEtcdctl(args), runOurs(args)]);
        assert.deepEqual({ stdout: b.stdout, stderr: b.stderr, code: b.code }, { stdout: a.stdout, stderr: a.stderr, code: a.code });
        assert.equal(b.code, 4);
        assert.match(b.stderr, /^Error: {2}401: The event in requested index is outdated and cleared/);
      });
    } finally {
      await srv.stop();
      cleanup(srv.dataDir);
    }
  },
});
