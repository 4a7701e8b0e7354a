// Round-trip latency and success/failure counts of raft messages to one
// peer, in the shape of etcd's /v2/stats/leader followers entries.

export class FollowerStats {
  success = 0;
  failures = 0;
  current = 0;
  private sum = 0;
  private sumSq = 0;
  minimum = Infinity;
  maximum = 0;

  succeed(ms: number): void {
    this.success++;
    this.current = ms;
    this.sum += ms;
    this.sumSq += ms * ms;
    this.minimum = Math.min(this.minimum, ms);
    this.maximum = Math.max(this.maximum, ms);
  }

  fail(): void {
    this.failures++;
  }

  toJSON() {
    const n = this.success;
    const average = n ? this.sum / n : 0;
    const variance = n ? Math.max(0, this.sumSq / n - average * average) : 0;
    return {
      latency: {
        current: this.current,
        average,
        standardDeviation: Math.sqrt(variance),
        minimum: n ? this.minimum : 0,
        maximum: this.maximum,
      },
      counts: { fail: this.failures, success: this.success },
    };
  }
}
