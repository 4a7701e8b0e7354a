// Micro-benchmark of the HTTP layer alone: the same fixed etcd-shaped GET
// answer served by node:http (as the keys fast path did in session 3) and by
// our HTTP/1.1 front door (server/http/http1_front.ts), under the same wrk
// load, interleaved rounds. Prints req/s and the server's CPU per request.
// Runs under Node (the toy server is bundled with esbuild), as the
// executable does.
//
//   npx deno run -A bench/http1_front.ts [--rounds 3] [--duration 5]

import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import * as esbuild from "esbuild";
import { median } from "./lib/stats.ts";
import { runWrk } from "./lib/wrk.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" }, duration: { type: "string", default: "5" } } });
const ROUNDS = Number(values.rounds);
const DURATION = Number(values.duration);
const HOST = "127.0.30.9";

/** utime + stime of a process, in microseconds (clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function measure(script: string, mode: string, port: number): Promise<{ rps: number; cpuUs: number }> {
  const child = spawn("node", [script, mode, HOST, String(port)], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${mode} server did not start`)), 10_000);
      child.stdout!.on("data", () => (clearTimeout(timer), resolve()));
      child.once("exit", (code) => reject(new Error(`${mode} server exited ${code}`)));
    });
    const before = cpuMicros(child.pid!);
    const r = await runWrk({ url: `http://${HOST}:${port}/v2/keys/bench/get`, connections: 64, threads: 2, durationS: DURATION });
    const cpu = cpuMicros(child.pid!) - before;
    if (r.errors > 0) throw new Error(`${mode}: ${r.errors} errors`);
    return { rps: r.rps, cpuUs: cpu / r.requests };
  } finally {
    child.kill("SIGKILL");
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-http1-"));
try {
  const script = path.join(dir, "toy.mjs");
  await esbuild.build({
    entryPoints: [new URL("./lib/http1_toy_server.ts", import.meta.url).pathname],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: script,
    logLevel: "error",
  });
  await esbuild.stop();
  const got: Record<string, { rps: number[]; cpu: number[] }> = { node: { rps: [], cpu: [] }, front: { rps: [], cpu: [] } };
  let port = 24000;
  for (let round = 1; round <= ROUNDS; round++) {
    for (const mode of ["node", "front"]) {
      const r = await measure(script, mode, port++);
      got[mode].rps.push(r.rps);
      got[mode].cpu.push(r.cpuUs);
      console.log(`round ${round} ${mode.padEnd(5)} ${r.rps.toFixed(0)} req/s, ${r.cpuUs.toFixed(1)} µs CPU per request`);
    }
  }
  const n = { rps: median(got.node.rps), cpu: median(got.node.cpu) };
  const f = { rps: median(got.front.rps), cpu: median(got.front.cpu) };
  console.log(`\n| server | req/s (median) | CPU µs per request |\n| --- | ---: | ---: |`);
  console.log(`| node:http writeHead/end | ${n.rps.toFixed(0)} | ${n.cpu.toFixed(1)} |`);
  console.log(`| front door (http1_front.ts) | ${f.rps.toFixed(0)} | ${f.cpu.toFixed(1)} |`);
  console.log(`\nfront/node: ${(f.rps / n.rps).toFixed(2)}× the rate, ${(f.cpu / n.cpu).toFixed(2)}× the CPU per request`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
