// How the client picks and leaves endpoints, compared with Debian's etcdctl
// on the same endpoints: failover on refused connections and on 5xx, one-shot
// requests that must not be retried, the sync that replaces the endpoint
// list, header and total timeouts, and redirects.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { call } from "../helpers/http.ts";
import { cleanup, runtimesUnderTest, startServer } from "../helpers/server.ts";
import { deadEndpoint, ETCDCTL_BIN, ETCDCTL_MISSING, runEtcdctl, runOurs, waitPublished } from "./helpers.ts";

interface Fake {
  url: string;
  close(): Promise<void>;
}

/** A local HTTP server answering every request with `handler`. */
function fakeServer(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Fake> {
  return new Promise((resolve) => {
    const sockets = new Set<import("node:net").Socket>();
    const server = http.createServer(handler);
    server.on("connection", (s) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}

/** Endpoints are tried in shuffled order: compare error lines as a set, unnumbered. */
const sortedLines = (s: string) => s.replace(/error #\d+/g, "error #?").split(/\n|(?=; error #\?)/).sort().join("\n");

Deno.test({
  name: "endpoint failover, one-shot requests, sync, timeouts and redirects as etcdctl does them",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    if (!existsSync(ETCDCTL_BIN)) throw new Error(ETCDCTL_MISSING);
    const srv = await startServer({ runtime: runtimesUnderTest()[0] });
    const fakes: Fake[] = [];
    const fake = async (h: (req: http.IncomingMessage, res: http.ServerResponse) => void) => {
      const f = await fakeServer(h);
      fakes.push(f);
      return f.url;
    };
    const same = async (args: string[], opts: { unordered?: boolean } = {}) => {
      const [a, b] = await Promise.all([runEtcdctl(args), runOurs(args)]);
      const norm = (s: string) => (opts.unordered ? sortedLines(s) : s);
      assert.deepEqual(
        { stdout: b.stdout, stderr: norm(b.stderr), code: b.code },
        { stdout: a.stdout, stderr: norm(a.stderr), code: a.code },
        args.join(" "),
      );
      return b;
    };
    try {
      await waitPublished(srv.clientUrl);
      await call("PUT", `${srv.clientUrl}/v2/keys/a`, { value: "1" });
      const dead = await deadEndpoint();
      const noLeader = await fake((_req, res) => {
        res.writeHead(503, { "content-type": "application/json" });
        res.end('{"message":"no leader"}');
      });
      const broken = await fake((_req, res) => {
        res.writeHead(502);
        res.end();
      });
      const silent = await fake(() => {/* never answers */});
      const redirect = await fake((req, res) => {
        res.writeHead(307, { location: `${srv.clientUrl}${req.url}` });
        res.end();
      });

      await t.step("a refused connection moves on to the next endpoint", async () => {
        const r = await same(["--no-sync", "--endpoints", `${dead},${srv.clientUrl}`, "get", "a"]);
        assert.equal(r.stdout, "1\n");
      });

      await t.step("500/503 and other 5xx answers move on too", async () => {
        assert.equal((await same(["--no-sync", "--endpoints", `${noLeader},${srv.clientUrl}`, "get", "a"])).stdout, "1\n");
        assert.equal((await same(["--no-sync", "--endpoints", `${broken},${srv.clientUrl}`, "get", "a"])).stdout, "1\n");
      });

      await t.step("when every endpoint fails, each one's error is listed (exit 4)", async () => {
        const r = await same(["--no-sync", "--endpoints", `${dead},${noLeader},${broken}`, "get", "a"], { unordered: true });
        assert.equal(r.code, 4);
        assert.match(r.stderr, /has no leader/);
        assert.match(r.stderr, /returns server error \[Bad Gateway\]/);
        assert.match(r.stderr, /connection refused/);
      });

      await t.step("one-shot requests (create, delete) are not retried elsewhere", async () => {
        const mk = await same(["--no-sync", "--endpoints", noLeader, "mk", "x", "1"]);
        assert.equal(mk.stderr, `Error:  client: etcd member ${noLeader} has no leader\n`);
        await same(["--no-sync", "--endpoints", noLeader, "rm", "a"]);
        await same(["--no-sync", "--endpoints", noLeader, "set", "x", "1"]);
      });

      await t.step("sync: a failed member list that is no connection error is ignored", async () => {
        const r = await same(["--endpoints", noLeader, "get", "a"]);
        assert.equal(r.code, 4);
      });

      await t.step("sync: the endpoints become the members' client URLs", async () => {
        const alias = srv.clientUrl.replace("127.0.0.1", "localhost");
        const r = await same(["--debug", "--endpoints", alias, "get", "a"]);
        assert.match(r.stderr, new RegExp(`got endpoints\\(${srv.clientUrl}\\) after sync`));
        await same(["--endpoints", `${dead},${srv.clientUrl}`, "get", "a"]);
      });

      await t.step("header timeout per request, total timeout per command", async () => {
        const r = await same(["--no-sync", "--timeout", "300ms", "--endpoints", silent, "get", "a"]);
        assert.match(r.stderr, /exceeded header timeout/);
        const total = await same(["--no-sync", "--timeout", "5s", "--total-timeout", "400ms", "--endpoints", silent, "get", "a"]);
        assert.equal(total.stderr, "Error:  context deadline exceeded\n");
        const sync = await same(["--timeout", "5s", "--total-timeout", "400ms", "--endpoints", silent, "get", "a"]);
        assert.equal(sync.code, 2);
      });

      await t.step("redirects are followed", async () => {
        assert.equal((await same(["--no-sync", "--endpoints", redirect, "get", "a"])).stdout, "1\n");
        assert.equal((await same(["--no-sync", "--endpoints", redirect, "set", "r", "2"])).stdout, "2\n");
      });
    } finally {
      await Promise.all(fakes.map((f) => f.close()));
      await srv.stop();
      cleanup(srv.dataDir);
    }
  },
});
