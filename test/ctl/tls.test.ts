// TLS: --ca-file, --cert-file and --key-file against real etcd 3.4 serving
// https with client certificate authentication (our server's TLS is tested
// with the server). Ours and Debian's etcdctl must answer alike, including
// the failures: no client certificate, unknown CA, missing file.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { ETCD_BIN, ETCD_MISSING, etcdAvailable } from "../helpers/etcd_real.ts";
import { freePort, waitFor } from "../helpers/ports.ts";
import { ETCDCTL_BIN, ETCDCTL_MISSING, runEtcdctl, runOurs } from "./helpers.ts";

function openssl(dir: string, ...args: string[]): void {
  const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (r.error) throw new Error(`openssl: ${r.error.message} (apt-get install openssl)`);
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA. */
function makeCertificates(dir: string): void {
  openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "2", "-subj", "/CN=test-ca");
  writeFileSync(join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
  writeFileSync(join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
  for (const [name, cn] of [["server", "etcd-server"], ["client", "client"]]) {
    openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}-key.pem`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`);
    openssl(dir, "x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-out", `${name}.pem`, "-days", "2", "-extfile", `${name}.ext`);
  }
}

Deno.test({
  name: "TLS files: etcd ctl and etcdctl against etcd 3.4 with client certificate auth",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    if (!etcdAvailable()) throw new Error(ETCD_MISSING);
    if (!existsSync(ETCDCTL_BIN)) throw new Error(ETCDCTL_MISSING);
    const dir = mkdtempSync(join(tmpdir(), "ctl-tls-"));
    makeCertificates(dir);
    const [cp, pp] = [await freePort(), await freePort()];
    const client = `https://127.0.0.1:${cp}`;
    const peer = `http://127.0.0.1:${pp}`;
    const etcd = spawn(ETCD_BIN, [
      "--enable-v2", "--name", "tls", "--data-dir", join(dir, "data"),
      "--cert-file", join(dir, "server.pem"), "--key-file", join(dir, "server-key.pem"),
      "--client-cert-auth", "--trusted-ca-file", join(dir, "ca.pem"),
      "--listen-client-urls", client, "--advertise-client-urls", client,
      "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `tls=${peer}`,
    ], { stdio: "ignore" });
    const exited = new Promise((r) => etcd.once("exit", r));
    const files = ["--ca-file", join(dir, "ca.pem"), "--cert-file", join(dir, "client.pem"), "--key-file", join(dir, "client-key.pem")];
    // Go's transport names where it read a rejected handshake's alert
    // ("readLoopPeekFailLocked: ") only when its read loop saw it first: a
    // race inside etcdctl, not a difference to match.
    const goRace = (s: string) => s.replaceAll("readLoopPeekFailLocked: ", "");
    const same = async (args: string[]) => {
      const [a, b] = await Promise.all([runEtcdctl(args), runOurs(args)]);
      assert.deepEqual({ stdout: b.stdout, stderr: b.stderr, code: b.code }, { stdout: a.stdout, stderr: goRace(a.stderr), code: a.code }, args.join(" "));
      return b;
    };
    try {
      await waitFor(async () => (await runOurs([...files, "--endpoints", client, "cluster-health"], { timeoutMs: 5000 })).code === 0, {
        timeoutMs: 20_000,
        what: `etcd with TLS on ${client}`,
      });

      await t.step("with the CA and a client certificate everything works", async () => {
        assert.equal((await same([...files, "--endpoints", client, "set", "a", "1"])).stdout, "1\n");
        assert.equal((await same([...files, "--endpoints", client, "get", "a"])).stdout, "1\n");
        await same([...files, "--endpoints", client, "member", "list"]);
        await same([...files, "--endpoints", client, "--debug", "ls"]);
        assert.match((await same([...files, "--endpoints", client, "cluster-health"])).stdout, /cluster is healthy/);
        await same([...files, "--endpoints", client.replace("127.0.0.1", "localhost"), "get", "a"]);
      });

      await t.step("the same files from ETCDCTL_CA_FILE, ETCDCTL_CERT_FILE, ETCDCTL_KEY_FILE", async () => {
        const env = { ETCDCTL_CA_FILE: files[1], ETCDCTL_CERT_FILE: files[3], ETCDCTL_KEY_FILE: files[5] };
        const args = ["--endpoints", client, "get", "a"];
        const [a, b] = await Promise.all([runEtcdctl(args, { env }), runOurs(args, { env })]);
        assert.deepEqual([b.stdout, b.code], [a.stdout, a.code]);
        assert.equal(b.stdout, "1\n");
      });

      await t.step("failures: no client certificate, unknown CA, a missing file", async () => {
        const noCert = await same(["--ca-file", files[1], "--endpoints", client, "get", "a"]);
        assert.equal(noCert.code, 4);
        const noCa = await same(["--endpoints", client, "get", "a"]);
        assert.match(noCa.stderr, /x509: certificate signed by unknown authority/);
        const missing = await same(["--ca-file", join(dir, "nope.pem"), "--endpoints", client, "get", "a"]);
        assert.deepEqual([missing.stderr, missing.code], [`open ${join(dir, "nope.pem")}: no such file or directory\n`, 1]);
        await same(["--ca-file", files[1], "--endpoints", client, "cluster-health"]);
      });
    } finally {
      if (etcd.pid !== undefined && etcd.exitCode === null) process.kill(etcd.pid, "SIGKILL");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      rmSync(dir, { recursive: true, force: true });
    }
  },
});
