// Regression: under Node (the dist/etcd.js bundle), a member founding a
// cluster whose peers sit behind a TCP proxy with nothing behind it yet
// exited 0 without a word. Bootstrap asks each peer for its member list;
// the proxy accepts and closes at once, Node's fetch stays pending, and the
// only timer was AbortSignal.timeout's, which does not keep the process
// alive. The member must instead give up on those peers and found the
// cluster.

import net from "node:net";
import { rmSync } from "node:fs";
import { Member } from "../helpers/cluster.ts";
import { tempDir } from "../helpers/server.ts";
import { StopWaiting, waitFor } from "../helpers/ports.ts";

/** Accepts connections and closes each at once, like the peer proxy before the member behind it is up. */
async function slammingDoor(host: string, port: number): Promise<net.Server> {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((res, rej) => {
    server.once("error", rej);
    server.listen(port, host, () => res());
  });
  return server;
}

Deno.test({
  name: "a bundled member founds its cluster when its peers' proxies accept and close at once (node)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const ip = (i: number) => `127.0.67.${i + 1}`;
    const doors = await Promise.all([1, 2].map((i) => slammingDoor(ip(i), 2390)));
    const cwd = tempDir("durability-node-startup-");
    const initial = [0, 1, 2].map((i) => `n${i}=http://${ip(i)}:2390`).join(",");
    const member = new Member("n0", [
      "--name", "n0", "--data-dir", "n0.etcd",
      "--listen-peer-urls", `http://${ip(0)}:2380`, "--initial-advertise-peer-urls", `http://${ip(0)}:2390`,
      "--listen-client-urls", `http://${ip(0)}:2379`, "--advertise-client-urls", `http://${ip(0)}:2379`,
      "--initial-cluster", initial,
    ], `http://${ip(0)}:2379`, cwd, "node");
    try {
      member.start();
      await waitFor(() => {
        if (!member.running) throw new StopWaiting(`member exited with ${member.proc?.exitCode}: ${JSON.stringify(member.out)}`);
        return member.out.includes("founding cluster");
      }, { timeoutMs: 15_000, what: "the member to found its cluster" });
      // And it goes on to serve clients.
      await waitFor(async () => {
        if (!member.running) throw new StopWaiting(`member exited with ${member.proc?.exitCode}: ${member.out}`);
        const r = await fetch(`${member.clientUrl}/version`, { signal: AbortSignal.timeout(1000) });
        await r.body?.cancel();
        return r.status === 200;
      }, { timeoutMs: 10_000, what: "the member to serve /version" });
    } finally {
      await member.kill();
      await Promise.all(doors.map((d) => new Promise((r) => d.close(r))));
      rmSync(cwd, { recursive: true, force: true });
    }
  },
});
