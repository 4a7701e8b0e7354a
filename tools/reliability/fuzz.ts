// Seeded fuzz loop over the hostile request generators: sends mutated etcd
// v2 requests to a member's client port, or random raft batches to a
// follower's peer port of a 3-member cluster, and every `checkEvery`
// requests checks the invariants: every member alive, the canary intact,
// and a model of clean writes the loop made itself reads back exactly.
//
//   deno run -A tools/reliability/fuzz.ts --seed 7 --duration 60 --target client|peer
//     [--runtime deno|node] [--ip-base 127.0.64] [--check-every 50] [--verbose]
//
// Prints the seed and the last requests on failure; exits 1 then.

import { parseArgs } from "node:util";
import process from "node:process";
import { agreedLeader, json, type Member } from "../../test/helpers/cluster.ts";
import type { Runtime } from "../../test/helpers/server.ts";
import { CANARY, CANARY_VALUE, putCanary, startSingle, startTrio } from "../../test/reliability/hostile_support.ts";
import { clientRequest, peerRequest, type PeerIds } from "./hostile_gen.ts";
import { rawExchange } from "./raw_http.ts";
import { Rng } from "./rng.ts";

export interface FuzzOptions {
  seed: number;
  durationMs: number;
  target: "client" | "peer";
  runtime?: Runtime;
  /** Client target: member on `${ipBase}.1` (deno) or `.2` (node); peer target: `${ipBase}.1..3`. */
  ipBase: string;
  /** Requests between invariant checks (default 50). */
  checkEvery?: number;
  log?: (line: string) => void;
}

export interface FuzzReport {
  seed: number;
  target: "client" | "peer";
  requests: number;
  checks: number;
  /** Answers by status ("none" = connection closed or timed out without one). */
  statuses: Record<string, number>;
  /** Set when an invariant broke: what, plus the requests sent since the last good check. */
  failure?: string;
}

interface Target {
  host: string;
  port: number;
  clientUrls: string[];
  alive(): boolean;
  output(): string;
  ids?: PeerIds;
  to?: string;
  close(): Promise<void>;
}

async function startTarget(opts: FuzzOptions): Promise<Target> {
  const runtime = opts.runtime ?? "deno";
  if (opts.target === "client") {
    const s = await startSingle(runtime, `${opts.ipBase}.${runtime === "node" ? 2 : 1}`);
    return { host: s.host, port: s.clientPort, clientUrls: [s.clientUrl], alive: s.alive, output: s.output, close: s.close };
  }
  const trio = await startTrio(runtime, opts.ipBase);
  await putCanary(trio.members[0].clientUrl);
  const leader = await agreedLeader(trio.members);
  const stats = await Promise.all(trio.members.map(async (m) => (await json(`${m.clientUrl}/v2/stats/self`)).body));
  const fi = stats.findIndex((s) => s.id !== leader);
  const peer = new URL(peerUrlOf(trio.members[fi]));
  const probe = await fetch(`${peer.origin}/members`);
  await probe.body?.cancel();
  const term = Number((await fetch(`${trio.members[fi].clientUrl}/v2/keys/`).then(async (r) => (await r.body?.cancel(), r))).headers.get("x-raft-term"));
  return {
    host: peer.hostname,
    port: Number(peer.port),
    clientUrls: trio.members.map((m) => m.clientUrl),
    alive: () => trio.members.every((m) => m.running),
    output: () => trio.members.map((m) => `--- ${m.name}\n${m.out.slice(-1500)}`).join("\n"),
    ids: { clusterId: probe.headers.get("x-etcd-cluster-id") ?? "", members: stats.map((s) => s.id), term },
    to: stats[fi].id,
    close: trio.close,
  };
}

function peerUrlOf(m: Member): string {
  return m.args[m.args.indexOf("--listen-peer-urls") + 1];
}

/** Clean writes the loop makes under its own prefix, and what each key must hold. */
class Model {
  private readonly keys = new Map<string, string>();
  private n = 0;
  constructor(private readonly prefix: string) {}

  async write(clientUrl: string, rng: Rng): Promise<void> {
    const key = `${this.prefix}/k${rng.int(8)}`;
    const value = `v${++this.n}`;
    const r = await fetch(`${clientUrl}/v2/keys${key}`, { method: "PUT", body: new URLSearchParams({ value }), signal: AbortSignal.timeout(10_000) });
    await r.body?.cancel();
    if (r.status !== 200 && r.status !== 201) throw new Error(`model write ${key} answered ${r.status}`);
    this.keys.set(key, value);
  }

  async verify(clientUrl: string): Promise<void> {
    for (const [key, value] of this.keys) {
      const r = await fetch(`${clientUrl}/v2/keys${key}?quorum=true`, { signal: AbortSignal.timeout(10_000) });
      const body = await r.json();
      if (body.node?.value !== value) throw new Error(`model key ${key}: expected ${value}, read ${JSON.stringify(body)}`);
    }
  }
}

async function checkInvariants(t: Target, model: Model, rng: Rng): Promise<void> {
  if (!t.alive()) throw new Error("a member exited");
  for (const url of t.clientUrls) {
    const r = await fetch(`${url}/v2/keys${CANARY}`, { signal: AbortSignal.timeout(10_000) });
    const body = await r.json();
    if (body.node?.value !== CANARY_VALUE) throw new Error(`canary on ${url}: ${JSON.stringify(body)}`);
  }
  // A forged message may force an election; give the cluster a few tries to commit.
  const url = t.clientUrls[rng.int(t.clientUrls.length)];
  let lastErr: unknown;
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      await model.write(url, rng);
      await model.verify(url);
      return;
    } catch (err) {
      lastErr = err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw lastErr;
}

export async function fuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const log = opts.log ?? (() => {});
  const rng = new Rng(opts.seed);
  const checkEvery = opts.checkEvery ?? 50;
  const report: FuzzReport = { seed: opts.seed, target: opts.target, requests: 0, checks: 0, statuses: {} };
  const t = await startTarget(opts);
  const model = new Model(`/fuzz-model-${opts.seed}`);
  const recent: string[] = [];
  const deadline = Date.now() + opts.durationMs;
  try {
    await checkInvariants(t, model, rng);
    while (Date.now() < deadline) {
      const req = opts.target === "client" ? clientRequest(rng) : peerRequest(rng, t.ids!, t.to!);
      recent.push(req.length > 400 ? req.slice(0, 400) + `…(${req.length} bytes)` : req);
      // A request that stalls (say, a Content-Length beyond its body) is dropped after a second.
      const a = await rawExchange(t.host, t.port, req, { timeoutMs: 1000 });
      report.requests++;
      const key = a.status === null ? "none" : String(a.status);
      report.statuses[key] = (report.statuses[key] ?? 0) + 1;
      if (a.status !== null && a.status >= 500) {
        throw new Error(`a server error (${a.status}): ${a.body.slice(0, 300)}\nthe request: ${JSON.stringify(req)}`);
      }
      if (report.requests % checkEvery === 0) {
        await checkInvariants(t, model, rng);
        report.checks++;
        recent.length = 0;
        log(`seed ${opts.seed}: ${report.requests} requests, ${report.checks} checks ok`);
      }
    }
    await checkInvariants(t, model, rng);
    report.checks++;
  } catch (err) {
    report.failure = `${(err as Error).message}\nrequests since the last good check:\n` +
      recent.map((r) => JSON.stringify(r)).join("\n") + `\nmember output:\n${t.output()}`;
  } finally {
    await t.close();
  }
  return report;
}

export function formatFuzzReport(r: FuzzReport): string {
  const statuses = Object.entries(r.statuses).sort().map(([k, v]) => `${k}:${v}`).join(" ");
  return `fuzz ${r.target} seed ${r.seed}: ${r.requests} requests, ${r.checks} invariant checks, answers ${statuses}` +
    (r.failure ? `\nFAILED (replay with --seed ${r.seed} --target ${r.target}): ${r.failure}` : "\nok");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      seed: { type: "string", default: String(Date.now() % 100000) },
      duration: { type: "string", default: "30" },
      target: { type: "string", default: "client" },
      runtime: { type: "string", default: "deno" },
      "ip-base": { type: "string", default: "127.0.64" },
      "check-every": { type: "string", default: "50" },
      verbose: { type: "boolean", default: false },
    },
  });
  const target = values.target === "peer" ? "peer" : "client";
  const r = await fuzz({
    seed: Number(values.seed),
    durationMs: Number(values.duration) * 1000,
    target,
    runtime: values.runtime as Runtime,
    ipBase: values["ip-base"]!,
    checkEvery: Number(values["check-every"]),
    log: values.verbose ? (l) => console.log(l) : undefined,
  });
  console.log(formatFuzzReport(r));
  process.exit(r.failure ? 1 : 0);
}
