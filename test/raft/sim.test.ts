// The seeded cluster simulation: thousands of randomized runs (drops,
// duplicates, reordering, partitions, crashes mid-Ready, membership changes,
// snapshots) with raft's safety invariants checked after every step and
// liveness checked after healing. See test/raft/README.md.
//
//   RAFT_SIM_SEEDS=N                 seeds per configuration (default 300)
//   RAFT_SIM_SEED=S [RAFT_SIM_CONFIG=name] [RAFT_SIM_TRACE=1]   replay one seed

import assert from "node:assert/strict";
import { runSim, Sim, SimFailure, type SimStats } from "./sim/cluster.ts";
import { configByName, CONFIGS, type SimConfig } from "./sim/configs.ts";
import type { SimJob, SimJobResult } from "./sim/worker.ts";

const replaySeed = Deno.env.get("RAFT_SIM_SEED");
const onlyConfig = Deno.env.get("RAFT_SIM_CONFIG");
const seedsPerConfig = Number(Deno.env.get("RAFT_SIM_SEEDS") ?? 300);
const firstSeed = Number(Deno.env.get("RAFT_SIM_FIRST_SEED") ?? 1);
const configs = onlyConfig ? [configByName(onlyConfig)] : CONFIGS;

function sum(stats: SimStats[], k: keyof SimStats): number {
  return stats.reduce((a, s) => a + s[k], 0);
}

/** Guards against a simulation that silently stops exercising what it claims to. */
function assertExercised(cfg: SimConfig, stats: SimStats[]): void {
  const n = stats.length;
  if (n < 50) return;
  const s = (k: keyof SimStats) => sum(stats, k);
  assert.ok(s("elections") >= n, `${cfg.name}: elections`);
  assert.ok(s("committed") >= n * 20, `${cfg.name}: commits`);
  assert.ok(s("readsAnswered") > 0, `${cfg.name}: reads`);
  assert.ok(
    s("dropped") > 0 && s("partitions") > 0,
    `${cfg.name}: network faults`,
  );
  assert.ok(
    s("crashes") > 0 && s("midReadyCrashes") > 0,
    `${cfg.name}: crashes`,
  );
  assert.ok(s("transfers") > 0, `${cfg.name}: transfers`);
  if (cfg.snapshotRate > 0) {
    assert.ok(s("snapshotsInstalled") > 0, `${cfg.name}: snapshots installed`);
  }
  if (cfg.membershipRate > 0) {
    assert.ok(s("membershipChanges") > 0, `${cfg.name}: membership changes`);
    assert.ok(
      s("leaderSelfRemovals") > 0,
      `${cfg.name}: a leader removing itself`,
    );
  }
}

/** One worker per core, each taking jobs from the shared queue until it is empty. */
function runJobs(jobs: SimJob[], workers: number): Promise<SimJobResult[]> {
  const results: SimJobResult[] = [];
  const queue = [...jobs];
  const runner = () =>
    new Promise<void>((resolve, reject) => {
      const w = new Worker(new URL("./sim/worker.ts", import.meta.url), {
        type: "module",
      });
      const timer = setTimeout(() => {
        w.terminate();
        reject(new Error("simulation worker timed out"));
      }, 900_000);
      const next = () => {
        const job = queue.shift();
        if (!job) {
          clearTimeout(timer);
          w.terminate();
          resolve();
          return;
        }
        w.postMessage(job);
      };
      w.onmessage = (e: MessageEvent<SimJobResult>) => {
        results.push(e.data);
        next();
      };
      w.onerror = (e) => {
        clearTimeout(timer);
        w.terminate();
        e.preventDefault();
        reject(new Error(`simulation worker failed: ${e.message}`));
      };
      next();
    });
  return Promise.all(Array.from({ length: workers }, runner)).then(() =>
    results
  );
}

if (replaySeed !== undefined) {
  const seed = Number(replaySeed);
  for (const cfg of configs) {
    Deno.test(`raft sim replay: ${cfg.name} seed ${seed}`, () => {
      const sim = new Sim(cfg, seed, {
        trace: Deno.env.get("RAFT_SIM_TRACE") === "1",
      });
      try {
        console.log(JSON.stringify(sim.run()));
      } catch (e) {
        if (e instanceof SimFailure && Deno.env.get("RAFT_SIM_TRACE") === "1") {
          console.log(e.trace.join("\n"));
        }
        throw e;
      }
    });
  }
} else {
  Deno.test(`raft sim: ${configs.length} configurations x ${seedsPerConfig} seeds`, async () => {
    const cores = Math.max(1, Math.min(navigator.hardwareConcurrency ?? 2, 8));
    const jobs: SimJob[] = [];
    const chunk = 25;
    for (const cfg of configs) {
      for (
        let from = firstSeed;
        from < firstSeed + seedsPerConfig;
        from += chunk
      ) {
        jobs.push({
          config: cfg.name,
          from,
          to: Math.min(from + chunk, firstSeed + seedsPerConfig),
        });
      }
    }
    const results = await runJobs(jobs, cores);
    const failures = results.filter((r) => r.failure).map((r) => r.failure!);
    if (failures.length) throw new Error(failures.join("\n\n"));
    for (const cfg of configs) {
      const stats = results.filter((r) => r.config === cfg.name).flatMap((r) =>
        r.stats
      );
      assert.equal(stats.length, seedsPerConfig, cfg.name);
      assertExercised(cfg, stats);
    }
    const all = results.flatMap((r) => r.stats);
    console.log(
      `  ${all.length} seeds: ${sum(all, "ticks")} ticks, ${
        sum(all, "elections")
      } elections, ` +
        `${sum(all, "committed")} entries committed, ${
          sum(all, "messages")
        } messages (${sum(all, "dropped")} dropped), ` +
        `${sum(all, "crashes")} crashes (${
          sum(all, "midReadyCrashes")
        } mid-Ready), ${sum(all, "partitions")} partitions, ` +
        `${sum(all, "membershipChanges")} membership changes, ${
          sum(all, "snapshotsInstalled")
        } snapshots installed, ` +
        `${sum(all, "readsAnswered")} reads answered`,
    );
  });
}

Deno.test("raft sim: a seed replays exactly", () => {
  const cfg = configByName("members5");
  const a = new Sim(cfg, 77, { trace: true });
  const b = new Sim(cfg, 77, { trace: true });
  assert.deepEqual(a.run(), b.run());
  assert.deepEqual(
    runSim(configByName("crash5"), 5),
    runSim(configByName("crash5"), 5),
  );
});
