// Micro-benchmark of the peer transport: how fast raft batches reach a peer
// over one stream (what members use) and over a POST per batch (what they
// used before, and still use for snapshots and peers without streams).
// One process, the peer app on a real loopback listener; the sender waits
// for each batch to arrive before sending the next (latency), then sends
// 64 batches at a time (throughput).
//
//   npx deno run -A bench/peer_transport.ts            (Deno.serve + Deno's fetch)
//   npx esbuild bench/peer_transport.ts --bundle --platform=node --format=esm \
//     --outfile=/tmp/peerbench.mjs && node /tmp/peerbench.mjs   (Node, as in the executable)

import { PeerStream } from "../server/cluster/peer_stream.ts";
import { RAFT_PATH } from "../server/cluster/transport.ts";
import { createPeerApp, type PeerBackend } from "../server/http/peer.ts";
import type { Message } from "../server/raft/mod.ts";
import { runtimeName, serve } from "../server/runtime/serve.ts";

let arrived = 0;
let waiting: (() => void) | undefined;
let target = 0;

const backend: PeerBackend = {
  clusterId: "c",
  memberId: "m1",
  members: () => [],
  receive(msgs: Message[]) {
    arrived += msgs.length;
    if (waiting && arrived >= target) {
      const w = waiting;
      waiting = undefined;
      w();
    }
  },
  join: () => Promise.reject(new Error("no")),
  updateMember: () => Promise.resolve(),
};

/** A MsgApp with one 64-byte write, about what a single PUT replicates. */
const batch: Message[] = [{
  type: "app",
  to: "m1",
  from: "m2",
  term: 2,
  logTerm: 2,
  index: 10,
  commit: 10,
  entries: [{ term: 2, index: 11, type: "normal", data: JSON.stringify({ t: "v2", r: { method: "PUT", path: "/bench/k1", val: "v".repeat(64) }, i: "x1" }) }],
}];

function arrival(n: number): Promise<void> {
  target = arrived + n;
  return new Promise((r) => (waiting = r));
}

async function measure(name: string, send: () => Promise<void> | void, seconds = 2): Promise<void> {
  // Latency: one batch at a time, until it has arrived.
  const lat: number[] = [];
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const t = performance.now();
    const got = arrival(1);
    await send();
    await got;
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  // Throughput: 64 batches in flight per round.
  let batches = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const got = arrival(64);
    await Promise.all(Array.from({ length: 64 }, () => send()));
    await got;
    batches += 64;
  }
  const rate = batches / ((performance.now() - t0) / 1000);
  console.log(
    `${name.padEnd(22)} one at a time: p50 ${lat[lat.length >> 1].toFixed(3)} ms, p99 ${lat[Math.floor(lat.length * 0.99)].toFixed(3)} ms; 64 in flight: ${rate.toFixed(0)} batches/s`,
  );
}

const app = createPeerApp(backend);
const listener = await serve({ hostname: "127.0.38.250", port: 0, fetch: app.fetch, longRequests: true });
const url = `http://127.0.38.250:${listener.port}`;
console.log(`runtime ${runtimeName}`);

const stream = new PeerStream({ url, clusterId: "c", from: "m2" }, { onOpen() {}, onClose(s, r) { console.error(`stream closed: ${s} ${r}`); } });
stream.open();
await measure("stream (one write)", () => void stream.send(batch));
stream.close();

const body = JSON.stringify(batch);
await measure("POST per batch (fetch)", async () => {
  const res = await fetch(url + RAFT_PATH, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Etcd-Cluster-Id": "c", "X-Server-From": "m2" },
    body,
  });
  await res.arrayBuffer();
});

await listener.close();
// deno-lint-ignore no-explicit-any
(globalThis as any).process?.exit?.(0);
