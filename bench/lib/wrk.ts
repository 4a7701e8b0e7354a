// Runs wrk and reads its report: requests/s, latency percentiles, errors.

import { spawn } from "node:child_process";
import * as path from "node:path";

export interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx/3xx answers plus socket errors (connect, read, write, timeout). */
  errors: number;
  requests: number;
}

export interface WrkRun {
  url: string;
  connections: number;
  threads: number;
  durationS: number;
  script?: string;
}

const LUA_DIR = new URL("../lua/", import.meta.url).pathname;

export function luaScript(name: string): string {
  return path.join(LUA_DIR, name);
}

export function runWrk(run: WrkRun): Promise<WrkResult> {
  const args = [
    "-t", String(Math.min(run.threads, run.connections)),
    "-c", String(run.connections),
    "-d", `${run.durationS}s`,
    "--timeout", "5s",
    "--latency",
  ];
  if (run.script) args.push("-s", run.script);
  args.push(run.url);
  return new Promise((resolve, reject) => {
    const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    // wrk stops itself after the duration; this bound covers a wedged wrk.
    const timer = setTimeout(() => child.kill("SIGKILL"), (run.durationS + 30) * 1000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`wrk exited ${code}: ${err || out}`));
      try {
        resolve(parseWrk(out));
      } catch (e) {
        reject(e);
      }
    });
  });
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  switch (unit) {
    case "us": return n / 1000;
    case "ms": return n;
    case "s": return n * 1000;
    case "m": return n * 60000;
    default: throw new Error(`unknown wrk unit ${unit}`);
  }
}

export function parseWrk(out: string): WrkResult {
  const rps = out.match(/Requests\/sec:\s+([\d.]+)/);
  const total = out.match(/(\d+) requests in/);
  if (!rps || !total) throw new Error(`unreadable wrk output:\n${out}`);
  const pct = (p: string) => {
    const m = out.match(new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m"));
    return m ? toMs(m[1], m[2]) : NaN;
  };
  let errors = 0;
  const non2xx = out.match(/Non-2xx or 3xx responses:\s+(\d+)/);
  if (non2xx) errors += Number(non2xx[1]);
  const sock = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  if (sock) errors += sock.slice(1).reduce((a, b) => a + Number(b), 0);
  return { rps: Number(rps[1]), p50Ms: pct("50"), p99Ms: pct("99"), errors, requests: Number(total[1]) };
}
