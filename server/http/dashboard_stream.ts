// The dashboard's Server-Sent Events stream: one `data:` JSON message per
// change of the cluster status and one per second (with fresh rates and a
// history sample), fanned out to every open page. Sampling runs only while
// at least one page is connected, so an idle member pays nothing.

import type { ClusterStatus, DashboardMessage, Rates, Sample, TermSpan } from "../../shared/dashboard.ts";

/** Where the dashboard's data comes from: one member's view of its cluster. */
export interface DashboardSource {
  status(): ClusterStatus;
  /** Calls `onChange` whenever `status()` would answer differently; returns the unsubscribe. */
  subscribe(onChange: () => void): () => void;
}

export interface StreamOptions {
  /** How often rates are computed and a sample is kept and sent (default 1000 ms). */
  sampleMs?: number;
  /** Samples kept for pages that connect later (default 300: five minutes). */
  historySize?: number;
  /** Changes closer together than this go out as one message (default 50 ms). */
  coalesceMs?: number;
  now?: () => number;
}

interface Client {
  ctrl: ReadableStreamDefaultController<Uint8Array>;
  termsKey: string;
}

/** A page that stops reading is dropped once this many messages wait for it. */
const MAX_QUEUED = 256;

/** EventSource waits this long before reconnecting (its default is ~3 s). */
const RETRY_MS = 1000;

const encoder = new TextEncoder();

export class DashboardStream {
  private readonly clients = new Set<Client>();
  private readonly history: Sample[] = [];
  private rates: Rates = { readsPerSec: 0, writesPerSec: 0 };
  private baseline: { at: number; reads: number; writes: number } | undefined;
  private unsubscribe: (() => void) | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private pending: ReturnType<typeof setTimeout> | undefined;
  private readonly sampleMs: number;
  private readonly historySize: number;
  private readonly coalesceMs: number;
  private readonly now: () => number;

  constructor(private readonly source: DashboardSource, opts: StreamOptions = {}) {
    this.sampleMs = opts.sampleMs ?? 1000;
    this.historySize = opts.historySize ?? 300;
    this.coalesceMs = opts.coalesceMs ?? 50;
    this.now = opts.now ?? Date.now;
  }

  /** Pages connected right now. */
  get size(): number {
    return this.clients.size;
  }

  /** A `text/event-stream` response that lives until the page goes away. */
  open(signal?: AbortSignal): Response {
    let client: Client | undefined;
    const body = new ReadableStream<Uint8Array>({
      start: (ctrl) => {
        client = { ctrl, termsKey: "" };
        ctrl.enqueue(encoder.encode(`retry: ${RETRY_MS}\n\n`));
        this.attach(client);
      },
      cancel: () => {
        if (client) this.detach(client);
      },
    });
    signal?.addEventListener("abort", () => {
      if (!client) return;
      this.detach(client);
      try {
        client.ctrl.close();
      } catch { /* already closed */ }
    }, { once: true });
    return new Response(body, {
      headers: {
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-cache, no-transform",
        "X-Accel-Buffering": "no",
      },
    });
  }

  /** Ends every open stream and stops sampling. */
  close(): void {
    for (const c of [...this.clients]) {
      this.detach(c);
      try {
        c.ctrl.close();
      } catch { /* already closed */ }
    }
  }

  private attach(client: Client): void {
    const first = this.clients.size === 0;
    this.clients.add(client);
    if (first) this.startSampling();
    this.send(client, this.source.status(), [...this.history]);
  }

  private detach(client: Client): void {
    if (!this.clients.delete(client)) return;
    if (this.clients.size === 0) this.stopSampling();
  }

  private startSampling(): void {
    const s = this.source.status();
    this.baseline = { at: this.now(), ...s.counters };
    this.rates = { readsPerSec: 0, writesPerSec: 0 };
    this.unsubscribe = this.source.subscribe(() => this.changed());
    this.ticker = setInterval(() => this.tick(), this.sampleMs);
  }

  private stopSampling(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.ticker);
    this.ticker = undefined;
    clearTimeout(this.pending);
    this.pending = undefined;
  }

  private changed(): void {
    if (this.pending !== undefined || this.clients.size === 0) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.broadcast(this.source.status(), []);
    }, this.coalesceMs);
  }

  private tick(): void {
    const status = this.source.status();
    const at = this.now();
    const base = this.baseline;
    if (base && at > base.at) {
      const secs = (at - base.at) / 1000;
      this.rates = {
        readsPerSec: round2(Math.max(0, status.counters.reads - base.reads) / secs),
        writesPerSec: round2(Math.max(0, status.counters.writes - base.writes) / secs),
      };
    }
    this.baseline = { at, ...status.counters };
    const sample: Sample = { at, term: status.term, commitIndex: status.commitIndex, ...this.rates };
    this.history.push(sample);
    if (this.history.length > this.historySize) this.history.splice(0, this.history.length - this.historySize);
    this.broadcast(status, [sample]);
  }

  private broadcast(status: ClusterStatus, samples: Sample[]): void {
    // A message sent now makes a pending coalesced one redundant.
    clearTimeout(this.pending);
    this.pending = undefined;
    for (const c of [...this.clients]) this.send(c, status, samples);
  }

  private send(client: Client, status: ClusterStatus, samples: Sample[]): void {
    const { terms, ...rest } = status;
    const key = termsKey(terms);
    const msg: DashboardMessage = { at: this.now(), status: rest, rates: this.rates, samples };
    if (key !== client.termsKey) msg.terms = terms;
    try {
      if ((client.ctrl.desiredSize ?? 0) < -MAX_QUEUED) throw new Error("page is not reading");
      client.ctrl.enqueue(encoder.encode(`data: ${JSON.stringify(msg)}\n\n`));
      client.termsKey = key;
    } catch {
      this.detach(client);
      try {
        client.ctrl.close();
      } catch { /* already closed */ }
    }
  }
}

/** Identifies a term list cheaply: terms only change at the end, or drop off the front. */
function termsKey(terms: TermSpan[]): string {
  const first = terms[0];
  const last = terms[terms.length - 1];
  if (!first || !last) return "none";
  return `${terms.length}:${first.term}:${first.startedAt}:${last.term}:${last.leaderId}:${last.startedAt}:${last.endedAt ?? ""}`;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
