// Runs one seeded sequence in lockstep against the oracle (real etcd) and one
// or more servers under test, comparing every answer.
import { compareRecords, type Difference } from "./compare.ts";
import { DELIBERATE, type Deliberate, excuse } from "./deliberate.ts";
import { normalize, type NormalRecord, type RawResponse } from "./normalize.ts";
import { generateOps, type Op } from "./ops.ts";
import { render, type RenderedRequest, resolve } from "./request.ts";
import { Tracker } from "./tracker.ts";

export interface Server {
  name: string;
  /** Client URL, e.g. http://127.0.0.1:2379 */
  url: string;
}

export interface Mismatch {
  seed: number;
  /** 0-based position of the op in the seed's sequence. */
  opNumber: number;
  op: Op;
  server: string;
  etcdRequest: RenderedRequest;
  oursRequest: RenderedRequest;
  etcdRaw: RawResponse;
  oursRaw: RawResponse;
  differences: Difference[];
  /** The few requests before this one (as sent to etcd) and etcd's outcome. */
  recent: string[];
}

export interface SeedReport {
  seed: number;
  prefix: string;
  ops: number;
  sent: number;
  /** Ops not sent, by reason (e.g. nothing to wait for yet). */
  skipped: Map<string, number>;
  /** How often each op label was sent. */
  labels: Map<string, number>;
  /** Oracle outcomes seen: "status" or "status/errorCode". */
  outcomes: Map<string, number>;
  /** Oracle outcomes by op label: "label status/errorCode". */
  labelOutcomes: Map<string, number>;
  /** Differences excused by the deliberate list. */
  excused: { id: string; opNumber: number; server: string }[];
  /** At most one per server: after a real difference its state has diverged. */
  mismatches: Mismatch[];
}

export interface RunOptions {
  /** Appended to `/diff<seed>` so reruns against a long-lived server do not collide. */
  prefixTag?: string;
  /** Bound on any single request; a watch that should return at once never needs long. */
  timeoutMs?: number;
  deliberate?: readonly Deliberate[];
}

const DEFAULT_TIMEOUT_MS = 5_000;
const RECENT_OPS = 6;

export async function send(req: RenderedRequest, timeoutMs: number): Promise<RawResponse> {
  const init: RequestInit = {
    method: req.method,
    redirect: "manual",
    signal: AbortSignal.timeout(timeoutMs),
  };
  if (req.body !== null) {
    init.body = req.body;
    init.headers = { "content-type": "application/x-www-form-urlencoded" };
  }
  try {
    const res = await fetch(req.url, init);
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k.toLowerCase()] = v));
    const body = await res.text();
    return { status: res.status, headers, body };
  } catch (err) {
    const name = (err as Error)?.name;
    const status = name === "TimeoutError" || name === "AbortError" ? "timeout" : "network-error";
    return { status, headers: {}, body: "", error: String(err) };
  }
}

/** The server's current X-Etcd-Index, read from a request for a missing key. */
async function currentIndex(server: Server, prefix: string, timeoutMs: number): Promise<number> {
  const res = await send({ method: "GET", url: `${server.url}/v2/keys${prefix}`, body: null }, timeoutMs);
  const raw = res.headers["x-etcd-index"];
  if (res.status !== 404 || raw === undefined || !/^\d+$/.test(raw)) {
    throw new Error(
      `${server.name}: expected 404 with X-Etcd-Index for fresh prefix ${prefix}, got ${res.status} ${
        JSON.stringify(res.headers)
      } ${res.body}${res.error ? ` (${res.error})` : ""}`,
    );
  }
  return Number(raw);
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function outcomeOf(rec: NormalRecord): string {
  const code = (rec.body as { errorCode?: unknown } | null)?.errorCode;
  return typeof code === "number" ? `${rec.status}/${code}` : String(rec.status);
}

export async function runSeed(
  seed: number,
  oracle: Server,
  others: Server[],
  opts: RunOptions = {},
): Promise<SeedReport> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deliberate = opts.deliberate ?? DELIBERATE;
  const prefix = `/diff${seed}${opts.prefixTag ?? ""}`;
  const ops = generateOps(seed);
  const report: SeedReport = {
    seed,
    prefix,
    ops: ops.length,
    sent: 0,
    skipped: new Map(),
    labels: new Map(),
    outcomes: new Map(),
    labelOutcomes: new Map(),
    excused: [],
    mismatches: [],
  };

  const servers = [oracle, ...others];
  const bases = await Promise.all(servers.map((s) => currentIndex(s, prefix, timeoutMs)));
  const tracker = new Tracker(prefix);
  // Servers still in step with the oracle (indexes into `servers`, oracle excluded).
  let active = others.map((_, i) => i + 1);
  const recent: string[] = [];

  for (let opNumber = 0; opNumber < ops.length; opNumber++) {
    if (others.length > 0 && active.length === 0) break;
    const op = ops[opNumber];
    const inStep = [0, ...active];
    const minBase = Math.min(...inStep.map((i) => bases[i]));
    const request = resolve(op, tracker, minBase);
    if ("skip" in request) {
      bump(report.skipped, request.skip);
      continue;
    }
    const rendered = inStep.map((i) => render(request, servers[i].url, bases[i]));
    // All servers at once, so that TTLs are read at nearly the same instant.
    const raws = await Promise.all(rendered.map((r) => send(r, timeoutMs)));
    const records = raws.map((raw, k) =>
      normalize(raw, { base: bases[inStep[k]], sorted: request.sorted, hasPrevIndex: request.hasPrevIndex })
    );
    report.sent++;
    bump(report.labels, op.label);
    bump(report.outcomes, outcomeOf(records[0]));
    bump(report.labelOutcomes, `${op.label} ${outcomeOf(records[0])}`);
    tracker.observe(
      { method: request.method, isWait: request.isWait, isRefresh: request.isRefresh },
      records[0],
    );

    const stillActive: number[] = [];
    for (let k = 1; k < inStep.length; k++) {
      const differences = compareRecords(records[0], records[k]);
      if (differences.length === 0) {
        stillActive.push(inStep[k]);
        continue;
      }
      const server = servers[inStep[k]].name;
      const reason = excuse({ op, request, etcd: records[0], ours: records[k], differences }, deliberate);
      if (reason) {
        report.excused.push({ id: reason.id, opNumber, server });
        stillActive.push(inStep[k]);
        continue;
      }
      report.mismatches.push({
        seed,
        opNumber,
        op,
        server,
        etcdRequest: rendered[0],
        oursRequest: rendered[k],
        etcdRaw: raws[0],
        oursRaw: raws[k],
        differences,
        recent: [...recent],
      });
    }
    active = stillActive;
    recent.push(`#${opNumber} ${showRequest(rendered[0])} -> ${outcomeOf(records[0])}`);
    if (recent.length > RECENT_OPS) recent.shift();
  }
  return report;
}

function showRequest(r: RenderedRequest): string {
  return `${r.method} ${r.url}${r.body !== null ? `  body: ${r.body}` : ""}`;
}

function showRaw(r: RawResponse): string {
  if (typeof r.status !== "number") return `${r.status}: ${r.error ?? ""}`;
  const headers = Object.entries(r.headers)
    .filter(([k]) => k !== "date")
    .map(([k, v]) => `${k}: ${v}`)
    .join("; ");
  return `${r.status}  [${headers}]\n      ${JSON.stringify(r.body)}`;
}

/** A failure report with everything needed to reproduce and understand it. */
export function describeMismatch(m: Mismatch): string {
  const lines = [
    `seed ${m.seed}, op #${m.opNumber} (${m.op.label}), ${m.server} differs from etcd`,
    `  rerun: DIFF_SEEDS=${m.seed} npx deno test -A test/diff/diff.test.ts`,
    `  etcd request: ${showRequest(m.etcdRequest)}`,
    `  ours request: ${showRequest(m.oursRequest)}`,
    `  differences (normalized):`,
    ...m.differences.map((d) => `    ${d.path}: etcd ${JSON.stringify(d.etcd)}  ours ${JSON.stringify(d.ours)}`),
    `  etcd raw: ${showRaw(m.etcdRaw)}`,
    `  ours raw: ${showRaw(m.oursRaw)}`,
    `  preceding requests (to etcd) and etcd's outcome:`,
    ...m.recent.map((r) => `    ${r}`),
  ];
  return lines.join("\n");
}
