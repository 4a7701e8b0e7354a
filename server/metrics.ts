// A small Prometheus registry: counters, gauges read at scrape time, and
// histograms, rendered in the text exposition format at /metrics.

import v8 from "node:v8";
import process from "node:process";

type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? "" : "{" + keys.map((k) => `${k}="${labels[k].replace(/["\\\n]/g, "_")}"`).join(",") + "}";
}

interface Metric {
  render(): string;
}

export class Counter implements Metric {
  private values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}

  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }

  /** An incrementer for one label set, for hot paths (the labels are rendered once, here). */
  series(labels: Labels): () => void {
    const k = labelKey(labels);
    return () => void this.values.set(k, (this.values.get(k) ?? 0) + 1);
  }

  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    if (this.values.size === 0) out += `${this.name} 0\n`;
    for (const [k, v] of this.values) out += `${this.name}${k} ${v}\n`;
    return out;
  }
}

export class Gauge implements Metric {
  constructor(readonly name: string, readonly help: string, readonly read: () => number | [Labels, number][]) {}

  render(): string {
    const v = this.read();
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n`;
    if (typeof v === "number") return out + `${this.name} ${v}\n`;
    for (const [labels, n] of v) out += `${this.name}${labelKey(labels)} ${n}\n`;
    return out;
  }
}

export class Histogram implements Metric {
  private series = new Map<string, { counts: number[]; sum: number; count: number; labels: Labels }>();
  constructor(readonly name: string, readonly help: string, readonly buckets: number[]) {}

  observe(value: number, labels: Labels = {}): void {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0, labels }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => {
        out += `${this.name}_bucket${labelKey({ ...s.labels, le: String(b) })} ${s.counts[i]}\n`;
      });
      out += `${this.name}_bucket${labelKey({ ...s.labels, le: "+Inf" })} ${s.count}\n`;
      out += `${this.name}_sum${labelKey(s.labels)} ${s.sum}\n${this.name}_count${labelKey(s.labels)} ${s.count}\n`;
    }
    return out;
  }
}

/** Seconds buckets from 0.5 ms doubling to ~8 s, as etcd uses for disk and network latencies. */
export const LATENCY_BUCKETS = Array.from({ length: 15 }, (_, i) => 0.0005 * 2 ** i);

export class Registry {
  private metrics: Metric[] = [];

  add<T extends Metric>(m: T): T {
    this.metrics.push(m);
    return m;
  }

  render(): string {
    return this.metrics.map((m) => m.render()).join("");
  }
}

/** The numbers an operator alerts on; one set per process. */
export const metrics = (() => {
  const r = new Registry();
  // The process's memory, as Prometheus' client libraries name it.
  r.add(new Gauge("process_resident_memory_bytes", "Resident memory size in bytes.", () => process.memoryUsage.rss()));
  r.add(new Gauge("nodejs_heap_space_size_total_bytes", "Size of each JavaScript heap space, in bytes.", () => heapSpaces("space_size")));
  r.add(new Gauge("nodejs_heap_space_size_used_bytes", "Bytes in use in each JavaScript heap space.", () => heapSpaces("space_used_size")));
  return {
    registry: r,
    leaderChanges: r.add(new Counter("etcd_server_leader_changes_seen_total", "The number of leader changes seen.")),
    proposalsFailed: r.add(new Counter("etcd_server_proposals_failed_total", "The total number of failed proposals (timed out or dropped).")),
    httpRequests: r.add(new Counter("etcd_http_requests_total", "Client HTTP requests by method and status code.")),
    fsync: r.add(new Histogram("etcd_disk_wal_fsync_duration_seconds", "Latency of write-ahead log appends (write + fdatasync).", LATENCY_BUCKETS)),
    apply: r.add(new Histogram("etcd_server_apply_duration_seconds", "Time to apply a batch of committed entries.", LATENCY_BUCKETS)),
    peerRtt: r.add(new Histogram("etcd_network_peer_round_trip_time_seconds", "Round-trip time of heartbeats (and POSTed batches) to peers.", LATENCY_BUCKETS)),
    linearizableReads: r.add(new Counter("etcd_server_linearizable_reads_total", "Linearizable (quorum) reads and backups served.")),
    readIndexRounds: r.add(new Counter("etcd_server_read_index_rounds_total", "Read-index rounds through the leader; concurrent reads share one.")),
  };
})();

/** One heap-space field per space, labelled "new", "old"... (none where the runtime gives no figures). */
function heapSpaces(field: "space_size" | "space_used_size"): [Labels, number][] {
  const spaces = v8.getHeapSpaceStatistics?.() ?? [];
  return spaces.map((s) => [{ space: s.space_name.replace(/_space$/, "") }, s[field]]);
}
