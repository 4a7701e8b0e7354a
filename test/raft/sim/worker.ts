// Runs a range of seeds of one configuration off the main thread, so the
// default simulation run uses every core.

import { runSim, SimFailure, type SimStats } from "./cluster.ts";
import { configByName } from "./configs.ts";

export interface SimJob {
  config: string;
  from: number;
  to: number;
}

export interface SimJobResult {
  config: string;
  seeds: number;
  stats: SimStats[];
  failure?: string;
}

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<SimJob>) => void) | null;
  postMessage(m: SimJobResult): void;
};

scope.onmessage = (e) => {
  const job = e.data;
  const cfg = configByName(job.config);
  const stats: SimStats[] = [];
  let failure: string | undefined;
  for (let seed = job.from; seed < job.to; seed++) {
    try {
      stats.push(runSim(cfg, seed));
    } catch (err) {
      failure = err instanceof SimFailure
        ? err.message
        : String(err instanceof Error ? err.stack : err);
      break;
    }
  }
  scope.postMessage({
    config: job.config,
    seeds: stats.length,
    stats,
    failure,
  });
};
