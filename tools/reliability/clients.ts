// Concurrent clients doing random quorum reads, writes and compare-and-swaps
// on a few keys against random members, recording each operation with its
// invocation and completion times and outcome for the linearizability checker.

import type { Op, Outcome, Value } from "../../test/reliability/lin/checker.ts";
import type { Rng } from "./rng.ts";

export interface ClientOptions {
  /** Client URLs of the members, e.g. http://127.0.40.1:2379. */
  urls: string[];
  keys: string[];
  clients: number;
  /** Per-request timeout; a timed-out op is unknown. */
  timeoutMs: number;
  rng: Rng;
}

/** Shared, growing history; `stop()` ends the clients after their current op. */
export class Workload {
  readonly history: Op[] = [];
  private stopped = false;
  private nextId = 0;
  private running: Promise<void>[] = [];

  constructor(private readonly opts: ClientOptions) {}

  start(): void {
    this.running = Array.from({ length: this.opts.clients }, (_, c) => this.client(c));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running);
  }

  private async client(c: number): Promise<void> {
    const { rng, keys, urls } = this.opts;
    // The last value this client saw per key: CAS from it often succeeds.
    const seen = new Map<string, Value>();
    for (let n = 0; !this.stopped; n++) {
      const key = keys[rng.int(keys.length)];
      const url = `${urls[rng.int(urls.length)]}/v2/keys/${key}`;
      const dice = rng.next();
      const value = `${c}-${n}`;
      let op: Op;
      if (dice < 0.45) {
        op = this.begin(c, key, "read", null);
        const r = await this.request(`${url}?quorum=true`, { method: "GET" });
        if (r.status === 200) this.end(op, "ok", r.value);
        else if (r.status === 404 && r.errorCode === 100) this.end(op, "ok", null);
        else this.end(op, "unknown");
        if (op.outcome === "ok") seen.set(key, op.value);
      } else if (dice < 0.75) {
        op = this.begin(c, key, "write", value);
        const r = await this.request(url, { method: "PUT", body: new URLSearchParams({ value }) });
        this.end(op, r.status === 200 || r.status === 201 ? "ok" : "unknown");
      } else {
        // Compare against the value last seen, or now and then a value that is surely stale.
        const expect = seen.get(key) ?? (rng.next() < 0.5 ? "0-0" : null);
        if (expect === null) {
          op = this.begin(c, key, "write", value);
          const r = await this.request(url, { method: "PUT", body: new URLSearchParams({ value }) });
          this.end(op, r.status === 200 || r.status === 201 ? "ok" : "unknown");
          continue;
        }
        op = this.begin(c, key, "cas", value, expect);
        const r = await this.request(url, { method: "PUT", body: new URLSearchParams({ value, prevValue: expect }) });
        if (r.status === 200) this.end(op, "ok");
        // 412 compare failed; 404 key not found: the compare failed too.
        else if ((r.status === 412 && r.errorCode === 101) || (r.status === 404 && r.errorCode === 100)) this.end(op, "fail");
        else this.end(op, "unknown");
        if (op.outcome === "ok") seen.set(key, value);
      }
    }
  }

  private begin(client: number, key: string, kind: Op["kind"], value: Value, expect?: Value): Op {
    const op: Op = { id: this.nextId++, client, key, kind, value, expect, outcome: "unknown", call: performance.now(), ret: Infinity };
    this.history.push(op);
    return op;
  }

  private end(op: Op, outcome: Outcome, readValue?: Value): void {
    op.outcome = outcome;
    op.ret = outcome === "unknown" ? Infinity : performance.now();
    if (op.kind === "read" && readValue !== undefined) op.value = readValue;
  }

  /** One HTTP request; any transport error or timeout comes back as status 0. */
  private async request(url: string, init: RequestInit): Promise<{ status: number; errorCode?: number; value: Value }> {
    try {
      const r = await fetch(url, { ...init, signal: AbortSignal.timeout(this.opts.timeoutMs) });
      const text = await r.text();
      let body: { errorCode?: number; node?: { value?: string } } = {};
      try {
        body = JSON.parse(text);
      } catch { /* not JSON: a proxy or a crash; status decides */ }
      return { status: r.status, errorCode: body.errorCode, value: body.node?.value ?? null };
    } catch {
      return { status: 0, value: null };
    }
  }
}

/** Counts of ops by kind and outcome, e.g. { "read ok": 120, "cas fail": 8 }. */
export function tally(history: Op[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of history) {
    const k = `${o.kind} ${o.outcome}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
