// Turning two clients' runs of one step into comparable text: server
// addresses, member and cluster IDs, times and (across different servers)
// etcd indexes are replaced by tokens.

import type { CtlRun } from "./helpers.ts";
import { maskTimes, substitute } from "./helpers.ts";
import type { Step } from "./scenario.ts";

export interface Target {
  clientUrl: string;
  peerUrl: string;
  memberId: string;
  clusterId: string;
  name: string;
  /** X-Etcd-Index before the scenario; indexes are shown relative to it when set. */
  base?: number;
}

/** The step's words with {EP}, {DEAD}, {PEER}, {ID}, {NAME} filled in for one target. */
export function expand(step: Step, t: Target, dead: string): string[] {
  const words = step.args.map((w) =>
    w.replaceAll("{EP}", t.clientUrl).replaceAll("{DEAD}", dead).replaceAll("{PEER}", t.peerUrl).replaceAll("{ID}", t.memberId)
      .replaceAll("{NAME}", t.name)
  );
  return step.raw ? words : ["--endpoints", t.clientUrl, ...words];
}

function relativeIndexes(text: string, base: number): string {
  const rel = (n: string) => `#${Number(n) - base}`;
  return text
    .replace(/^(Created-Index|Modified-Index|Index): (\d+)$/gm, (_m, k: string, n: string) => `${k}: ${rel(n)}`)
    .replace(/"(createdIndex|modifiedIndex)":(\d+)/g, (_m, k: string, n: string) => `"${k}":${rel(n)}`)
    .replace(/\[(\d+)\]$/gm, (_m, n: string) => `[${rel(n)}]`)
    .replace(/\[(\d+) != (\d+)\]/g, (_m, a: string, b: string) => `[${a} != ${rel(b)}]`)
    .replace(/\/(\d{20})(?=\/|"|$|\n|\s)/g, (_m, n: string) => `/${rel(n)}`)
    .replace(/ETCD_WATCH_MODIFIED_INDEX=(\d+)/g, (_m, n: string) => `ETCD_WATCH_MODIFIED_INDEX=${rel(n)}`);
}

/** A run as text that can be compared with another target's run of the same step. */
export function normalizeRun(run: CtlRun, t: Target, step: Step): { stdout: string; stderr: string; code: number } {
  const hostPort = (u: string) => u.replace(/^https?:\/\//, "");
  const map: Record<string, string> = {
    [t.clientUrl]: "<EP>",
    [t.peerUrl]: "<PEER>",
    [hostPort(t.clientUrl)]: "<EP-HOST>",
    [hostPort(t.peerUrl)]: "<PEER-HOST>",
    [t.memberId]: "<ID>",
    [t.clusterId]: "<CID>",
    // The member's name, where etcdctl prints one.
    [`name=${t.name} `]: "name=<NAME> ",
    [`named ${t.name};`]: "named <NAME>;",
    [`"${t.name}=`]: `"<NAME>=`,
    [`,${t.name}=`]: ",<NAME>=",
    [`ID of ${t.name}.`]: "ID of <NAME>.",
  };
  const fix = (text: string) => {
    let out = maskTimes(substitute(text, map));
    // Members added at run time get IDs that mix in the time.
    out = out.replace(/\b[0-9a-f]{13,16}\b/g, "<NEWID>");
    if (t.base !== undefined) out = relativeIndexes(out, t.base);
    // Members are listed by ID, and a member added at run time gets a random one.
    out = out.replace(/^ETCD_INITIAL_CLUSTER="([^"]*)"$/gm, (_m, v: string) => `ETCD_INITIAL_CLUSTER="${v.split(",").sort().join(",")}"`);
    if (step.breaksQuorum) out = out.split("\n").sort().join("\n");
    if (step.loose) out = out.split("\n")[0];
    return out;
  };
  return { stdout: fix(run.stdout), stderr: step.loose ? "" : fix(run.stderr), code: run.code };
}

export interface Mismatch {
  step: string;
  left: { stdout: string; stderr: string; code: number };
  right: { stdout: string; stderr: string; code: number };
}

export function describeMismatches(ms: Mismatch[], leftName: string, rightName: string): string {
  return ms.map((m) =>
    [
      `$ ${m.step}`,
      `  ${leftName} (exit ${m.left.code}):`,
      ...m.left.stdout.split("\n").map((l) => `    | ${l}`),
      ...m.left.stderr.split("\n").map((l) => `    ! ${l}`),
      `  ${rightName} (exit ${m.right.code}):`,
      ...m.right.stdout.split("\n").map((l) => `    | ${l}`),
      ...m.right.stderr.split("\n").map((l) => `    ! ${l}`),
    ].join("\n")
  ).join("\n\n");
}

export function sameRun(a: { stdout: string; stderr: string; code: number }, b: { stdout: string; stderr: string; code: number }): boolean {
  return sameOutput(a.stdout, b.stdout) && a.stderr === b.stderr && a.code === b.code;
}

// A TTL shown in JSON ("ttl":N) or by -o extended (TTL: N).
const TTL = /("ttl":|TTL: )(\d+)/g;

/**
 * Equal, or equal but for TTLs one second apart: the two clients run one
 * after the other, and a TTL can tick down between them.
 */
function sameOutput(a: string, b: string): boolean {
  if (a === b) return true;
  const ttlsA = [...a.matchAll(TTL)].map((m) => Number(m[2]));
  const ttlsB = [...b.matchAll(TTL)].map((m) => Number(m[2]));
  if (ttlsA.length === 0 || ttlsA.length !== ttlsB.length) return false;
  if (a.replace(TTL, "$1<TTL>") !== b.replace(TTL, "$1<TTL>")) return false;
  return ttlsA.every((t, i) => Math.abs(t - ttlsB[i]) <= 1);
}
