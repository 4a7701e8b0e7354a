// Runs a request sequence in lockstep against the oracle (real etcd) and one
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

/** A named list of ops, run below its own key prefix. */
export interface Sequence {
  name: string;
  prefix: string;
  ops: Op[];
  /** How to run just this sequence again. */
  rerun: string;
}

export interface Mismatch {
  sequence: string;
  rerun: string;
  /** Position in the sequence, e.g. "#12", or "#12 during[1]" inside a watch. */
  step: string;
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

export interface SequenceReport {
  name: string;
  prefix: string;
  ops: number;
  sent: number;
  /** Ops not sent, by reason (e.g. nothing to wait for yet). */
  skipped: Map<string, number>;
  /** Oracle outcomes seen: "status" or "status/errorCode". */
  outcomes: Map<string, number>;
  /** Oracle outcomes by op label: "label status/errorCode". */
  labelOutcomes: Map<string, number>;
  /** Differences excused by the deliberate list. */
  excused: { id: string; step: string; server: string }[];
  /** At most one per server: after a real difference its state has diverged. */
  mismatches: Mismatch[];
}

export interface RunOptions {
  /** Appended to the prefix so reruns against a long-lived server do not collide. */
  prefixTag?: string;
  /** Bound on any single request (a watch woken by an expiring key needs ~2 s). */
  timeoutMs?: number;
  deliberate?: readonly Deliberate[];
  /** Difference paths (prefixes) to disregard, for exploring past a known difference. */
  ignore?: readonly string[];
  /** Called with every exchange, as etcd saw it (for transcripts). */
  onExchange?: (step: string, request: RenderedRequest, response: RawResponse) => void;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const RECENT_OPS = 6;
// A waiting watch: how long every server gets to send its headers (etcd
// flushes them once the watcher is registered), and a pause after that.
const HEADERS_WAIT_MS = 1_000;
const SETTLE_MS = 20;

interface Started {
  /** Resolves once the status line and headers have arrived (or the request failed). */
  headers: Promise<void>;
  headersSeen: () => boolean;
  response: Promise<RawResponse>;
}

function start(req: RenderedRequest, timeoutMs: number): Started {
  let seen = false;
  let markHeaders!: () => void;
  const headers = new Promise<void>((resolve) => (markHeaders = resolve)).then(() => {
    seen = true;
  });
  const init: RequestInit = { method: req.method, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) };
  if (req.body !== null) {
    init.body = req.body;
    init.headers = { "content-type": "application/x-www-form-urlencoded" };
  }
  const response = (async (): Promise<RawResponse> => {
    try {
      const res = await fetch(req.url, init);
      markHeaders();
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => (headers[k.toLowerCase()] = v));
      const body = await res.text();
      return { status: res.status, headers, body };
    } catch (err) {
      markHeaders();
      const name = (err as Error)?.name;
      const status = name === "TimeoutError" || name === "AbortError" ? "timeout" : "network-error";
      return { status, headers: {}, body: "", error: String(err) };
    }
  })();
  return { headers, headersSeen: () => seen, response };
}

export function send(req: RenderedRequest, timeoutMs: number): Promise<RawResponse> {
  return start(req, timeoutMs).response;
}

/** Resolves after `ms`, or as soon as `p` settles; never leaves a timer behind. */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([p, new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
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

export function seedSequence(seed: number, prefixTag = ""): Sequence {
  return {
    name: `seed ${seed}`,
    prefix: `/diff${seed}${prefixTag}`,
    ops: generateOps(seed),
    rerun: `DIFF_SEEDS=${seed} npx deno test -A test/diff/diff.test.ts`,
  };
}

export function runSeed(
  seed: number,
  oracle: Server,
  others: Server[],
  opts: RunOptions = {},
): Promise<SequenceReport> {
  return runSequence(seedSequence(seed, opts.prefixTag), oracle, others, opts);
}

export async function runSequence(
  seq: Sequence,
  oracle: Server,
  others: Server[],
  opts: RunOptions = {},
): Promise<SequenceReport> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deliberate = opts.deliberate ?? DELIBERATE;
  const ignore = opts.ignore ?? [];
  const report: SequenceReport = {
    name: seq.name,
    prefix: seq.prefix,
    ops: seq.ops.length,
    sent: 0,
    skipped: new Map(),
    outcomes: new Map(),
    labelOutcomes: new Map(),
    excused: [],
    mismatches: [],
  };

  const servers = [oracle, ...others];
  const bases = await Promise.all(servers.map((s) => currentIndex(s, seq.prefix, timeoutMs)));
  const tracker = new Tracker(seq.prefix);
  // Servers still in step with the oracle (indexes into `servers`, oracle excluded).
  const active = new Set(others.map((_, i) => i + 1));
  const recent: string[] = [];

  const exchange = async (op: Op, step: string): Promise<void> => {
    const inStep = [0, ...active];
    const request = resolve(op, tracker, Math.min(...inStep.map((i) => bases[i])));
    if ("skip" in request) {
      bump(report.skipped, request.skip);
      return;
    }
    const rendered = inStep.map((i) => render(request, servers[i].url, bases[i]));
    // All servers at once, so that TTLs are read at nearly the same instant.
    const started = rendered.map((r) => start(r, timeoutMs));
    let early: boolean[] | null = null;
    if (op.during) {
      await within(Promise.all(started.map((s) => s.headers)), HEADERS_WAIT_MS);
      early = started.map((s) => s.headersSeen());
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      for (const [i, d] of op.during.entries()) await exchange(d, `${step} during[${i}]`);
    }
    const raws = await Promise.all(started.map((s) => s.response));
    const records = raws.map((raw, k) => {
      const rec = normalize(raw, {
        base: bases[inStep[k]],
        sorted: request.sorted,
        hasPrevIndex: request.hasPrevIndex,
      });
      // Whether the status line and headers came before the event that woke
      // the watch (etcd flushes them at once; some clients depend on it).
      if (early) rec.headersBeforeEvent = early[k];
      return rec;
    });
    report.sent++;
    opts.onExchange?.(step, rendered[0], raws[0]);
    bump(report.outcomes, outcomeOf(records[0]));
    bump(report.labelOutcomes, `${op.label} ${outcomeOf(records[0])}`);
    tracker.observe({ method: request.method, isWait: request.isWait, isRefresh: request.isRefresh }, records[0]);

    for (let k = 1; k < inStep.length; k++) {
      if (!active.has(inStep[k])) continue; // diverged meanwhile (inside `during`)
      const differences = compareRecords(records[0], records[k]).filter(
        (d) => !ignore.some((p) => d.path === p || d.path.startsWith(`${p}.`) || d.path.startsWith(`${p}[`)),
      );
      if (differences.length === 0) continue;
      const server = servers[inStep[k]].name;
      const reason = excuse({ op, request, etcd: records[0], ours: records[k], differences }, deliberate);
      if (reason) {
        report.excused.push({ id: reason.id, step, server });
        continue;
      }
      report.mismatches.push({
        sequence: seq.name,
        rerun: seq.rerun,
        step,
        op,
        server,
        etcdRequest: rendered[0],
        oursRequest: rendered[k],
        etcdRaw: raws[0],
        oursRaw: raws[k],
        differences,
        recent: [...recent],
      });
      active.delete(inStep[k]);
    }
    recent.push(`${step} ${showRequest(rendered[0])} -> ${outcomeOf(records[0])}`);
    if (recent.length > RECENT_OPS) recent.shift();
  };

  for (const [opNumber, op] of seq.ops.entries()) {
    if (others.length > 0 && active.size === 0) break;
    await exchange(op, `#${opNumber}`);
  }
  // Keys with a TTL would otherwise expire during a later sequence, at a
  // different moment on each server, and shift its indexes.
  await Promise.all(
    servers.map((s) =>
      send({ method: "DELETE", url: `${s.url}/v2/keys${seq.prefix}?recursive=true`, body: null }, timeoutMs)
    ),
  );
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
    `${m.sequence}, op ${m.step} (${m.op.label}): ${m.server} differs from etcd`,
    `  rerun: ${m.rerun}`,
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
