// Medians over rounds and the ours/etcd table.

export function median(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** One measured quantity: samples per system, and whether more is better. */
export interface Metric {
  workload: string;
  unit: string;
  higherIsBetter: boolean;
  etcd: number[];
  ours: number[];
  /** Total error count across rounds, per system (wrk non-2xx + socket errors). */
  errors: { etcd: number; ours: number };
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return "n/a";
  if (n >= 100) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** A Markdown table: medians, the ratio ours/etcd, and the raw rounds. */
export function table(metrics: Metric[]): string {
  const rows = [
    "| workload | metric | etcd 3.4 (median) | ours (median) | ours/etcd | better | rounds etcd | rounds ours | errors etcd/ours |",
    "| --- | --- | ---: | ---: | ---: | --- | --- | --- | --- |",
  ];
  for (const m of metrics) {
    const e = median(m.etcd);
    const o = median(m.ours);
    // A ratio of signed quantities (a watcher may hear before the writer) means nothing.
    const ratio = e > 0 && o >= 0 ? o / e : NaN;
    rows.push(
      `| ${m.workload} | ${m.unit} | ${fmt(e)} | ${fmt(o)} | ${Number.isFinite(ratio) ? ratio.toFixed(2) + "×" : "n/a"} | ${m.higherIsBetter ? "higher" : "lower"} | ${m.etcd.map(fmt).join(", ")} | ${m.ours.map(fmt).join(", ")} | ${m.errors.etcd}/${m.errors.ours} |`,
    );
  }
  return rows.join("\n");
}

/** The p-th percentile (0–100) of the samples, nearest-rank. */
export function percentile(xs: number[], p: number): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))];
}

/** Adds one sample of a metric for one system (see Results in run.ts). */
export type Recorder = (workload: string, unit: string, higherIsBetter: boolean, value: number, errors?: number) => void;
