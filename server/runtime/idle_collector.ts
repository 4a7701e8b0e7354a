// Returns a burst's garbage once the member goes quiet.
//
// A load of 100k keys leaves a heap of ~250 MiB resident where the data
// needs ~100: the young generation grown to its largest, and old-space
// garbage of the requests. V8's memory reducer returns it when it judges
// the process idle, but that judgement is a guess: after the same load it
// ran within 30 s in most runs and not at all in others (RSS 110 or 250
// MiB). Here, once nothing was applied and no client was answered for
// QUIET_MS, and the heap V8 holds (its committed size, not only what is in
// use: after a burst Deno's held 144 MiB with 41 in use) grew by
// MIN_GROWTH_BYTES since the last such collection, one compacting full
// collection runs (tens of milliseconds at 100k keys, with nobody waiting).

export const QUIET_MS = 5000;
export const CHECK_MS = 1000;
export const MIN_GROWTH_BYTES = 32 * 1024 * 1024;

export interface IdleCollectorProbes {
  /** Something that moves with every applied entry (the applied index). */
  progress(): number;
  /** When a client was last answered (performance.now() clock). */
  lastAnsweredAt(): number;
  /** The heap's committed size (V8's total_heap_size). */
  heapSize(): number;
  /** Runs the collection; false where the runtime offers none. */
  collect(): boolean;
  now(): number;
  /** Told after each collection. */
  collected?(ms: number, before: number, after: number): void;
}

export class IdleCollector {
  private lastProgress: number;
  private lastProgressAt: number;
  private baseline: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;

  constructor(private readonly probes: IdleCollectorProbes) {
    this.lastProgress = probes.progress();
    this.lastProgressAt = probes.now();
    this.baseline = probes.heapSize();
  }

  start(): this {
    this.timer = setInterval(() => this.check(), CHECK_MS);
    // Never what keeps a stopping process alive.
    (this.timer as { unref?: () => void }).unref?.();
    return this;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** One look: collects if the member has been quiet long enough after enough growth. */
  check(): boolean {
    if (this.stopped) return false;
    const p = this.probes;
    const now = p.now();
    const progress = p.progress();
    if (progress !== this.lastProgress) {
      this.lastProgress = progress;
      this.lastProgressAt = now;
      return false;
    }
    const quietSince = Math.max(this.lastProgressAt, p.lastAnsweredAt());
    if (now - quietSince < QUIET_MS) return false;
    const before = p.heapSize();
    if (before - this.baseline < MIN_GROWTH_BYTES) {
      // Shrinking on its own (V8's reducer ran): measure growth from there.
      if (before < this.baseline) this.baseline = before;
      return false;
    }
    const t = p.now();
    if (!p.collect()) {
      this.stop();
      return false;
    }
    const after = p.heapSize();
    this.baseline = after;
    p.collected?.(p.now() - t, before, after);
    return true;
  }
}
