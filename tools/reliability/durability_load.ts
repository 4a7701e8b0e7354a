// A write load for durability checks: writers that each own a set of keys,
// write unique values to them in order, and remember every write they made
// and whether it was acknowledged. Then a check that every acknowledged
// write is still there with its value, or was overwritten only by a later
// write of the same writer (acknowledged or of unknown outcome).

import type { Rng } from "./rng.ts";

export interface LoadOptions {
  /** Client URLs of the members; each write goes to a random one. */
  urls: string[];
  writers: number;
  /** Each writer cycles over this many keys of its own. */
  keysPerWriter: number;
  /** Keys live under /v2/keys/<prefix>/. */
  prefix: string;
  timeoutMs: number;
  rng: Rng;
}

export interface AckedWrite {
  key: string;
  value: string;
  modifiedIndex: number;
}

/** Writer w's n-th write goes to key k(n % keysPerWriter) with value "w-n". */
export class WriteLoad {
  acked = 0;
  unknown = 0;
  /** Writes refused with a definite error (4xx): never applied. */
  failed = 0;
  /** Per key, the newest acknowledged write. */
  readonly latest = new Map<string, AckedWrite & { seq: number }>();
  /** Per writer, the highest sequence number it has sent (acknowledged or not). */
  readonly sent: number[];
  private stopped = false;
  private running: Promise<void>[] = [];

  constructor(private readonly opts: LoadOptions) {
    this.sent = new Array(opts.writers).fill(-1);
  }

  keyOf(w: number, n: number): string {
    return `${this.opts.prefix}/w${w}/k${n % this.opts.keysPerWriter}`;
  }

  start(): void {
    this.running = Array.from({ length: this.opts.writers }, (_, w) => this.writer(w));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running);
  }

  private async writer(w: number): Promise<void> {
    const { urls, rng, timeoutMs } = this.opts;
    for (let n = 0; !this.stopped; n++) {
      const key = this.keyOf(w, n);
      const value = `${w}-${n}`;
      this.sent[w] = n;
      const url = urls[rng.int(urls.length)];
      try {
        const r = await fetch(`${url}/v2/keys/${key}`, {
          method: "PUT",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: `value=${value}`,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await r.text();
        if (r.status === 200 || r.status === 201) {
          this.acked++;
          this.latest.set(key, { key, value, seq: n, modifiedIndex: JSON.parse(text).node.modifiedIndex });
          continue;
        }
        if (r.status >= 400 && r.status < 500) this.failed++;
        else this.unknown++;
      } catch {
        this.unknown++;
      }
      // The cluster may be down: do not spin.
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export interface Loss {
  key: string;
  acked: string;
  /** What the cluster returned: a value, "(missing)", or why it could not be read. */
  found: string;
}

export interface CheckResult {
  checked: number;
  lost: Loss[];
}

/**
 * Reads every key the load acknowledged a write to (one recursive read,
 * `quorum=true` unless local) from `url` and compares. Writers may still be
 * running: a newer value of the same writer, sent after the snapshot of
 * acknowledged writes taken here, is fine.
 */
export async function checkAcked(load: WriteLoad, url: string, prefix: string, opts: { quorum?: boolean; timeoutMs?: number } = {}): Promise<CheckResult> {
  const expected = [...load.latest.values()];
  const q = opts.quorum === false ? "" : "&quorum=true";
  const r = await fetch(`${url}/v2/keys/${prefix}?recursive=true${q}`, { signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
  const body = await r.json();
  if (r.status !== 200) throw new Error(`reading ${prefix} from ${url}: HTTP ${r.status} ${JSON.stringify(body)}`);
  const found = new Map<string, { value: string; modifiedIndex: number }>();
  const walk = (n: { key: string; value?: string; modifiedIndex: number; nodes?: unknown[] }) => {
    if (n.value !== undefined) found.set(n.key.replace(/^\//, ""), { value: n.value, modifiedIndex: n.modifiedIndex });
    for (const c of (n.nodes ?? []) as typeof n[]) walk(c);
  };
  walk(body.node);
  const lost: Loss[] = [];
  for (const a of expected) {
    const f = found.get(a.key);
    const problem = verdict(load, a, f);
    if (problem) lost.push({ key: a.key, acked: `${a.value}@${a.modifiedIndex}`, found: f ? `${f.value}@${f.modifiedIndex}` : "(missing)" });
  }
  return { checked: expected.length, lost };
}

/** Why `found` does not account for the acknowledged write `a`, or null if it does. */
function verdict(load: WriteLoad, a: AckedWrite & { seq: number }, found: { value: string; modifiedIndex: number } | undefined): string | null {
  if (!found) return "missing";
  if (found.value === a.value) return found.modifiedIndex === a.modifiedIndex ? null : "same value at another index";
  const [w, n] = found.value.split("-").map(Number);
  const [aw] = a.value.split("-").map(Number);
  if (w !== aw || !(n > a.seq) || n > load.sent[w] || load.keyOf(w, n) !== a.key) return "overwritten by a write that was never sent after it";
  if (!(found.modifiedIndex > a.modifiedIndex)) return "newer write at an older index";
  return null;
}
