// Differential test: the same seeded v2 keys-API sequences against real etcd
// 3.4 and our server; every normalized answer must be equal.
//
//   npx deno test -A test/diff/diff.test.ts
//   DIFF_SEEDS=7 ...               rerun one seed (or "1,5,9", "1-100", "none")
//   DIFF_SCENARIOS=expiry ...      run only these hand-written scenarios (or "none")
//   DIFF_OURS_URL=http://... ...   compare with a server that is already running
//   DIFF_OURS=etcd ...             compare etcd with a second etcd (harness self-check)
//   DIFF_IGNORE=headers.cors ...   disregard differences at these paths (exploration only)
import assert from "node:assert/strict";
import { describeMismatch, type Mismatch, runSeed, runSequence, type SequenceReport } from "./run.ts";
import { SCENARIOS, scenarioSequence } from "./scenarios.ts";
import { scenariosToRun, seedsToRun } from "./seeds.ts";
import { type RunningServer, startOracle, startOurs } from "./targets.ts";

// Things the default seed list must have exercised on the oracle, so that a
// change to the generator cannot quietly stop testing them.
const REQUIRED_OUTCOMES = [
  "200",
  "201",
  "404/100",
  "412/101",
  "403/102",
  "400/104",
  "412/105",
  "403/108",
  "400/201",
  "400/202",
  "400/203",
  "400/209",
  "400/211",
  "400/212",
  "400/401",
  "405",
  "301",
];
// Likewise for watches that must wait and be woken.
const REQUIRED_LABEL_OUTCOMES = [
  "wake:next-event 200",
  "wake:next-index 200",
  "wake:recursive-hidden 200",
  "wake:dir-delete 200",
  "wake:refresh-skipped 200",
  "wake:failed-cas-skipped 200",
  "wait 200",
  "wait:recursive 200",
];

function merge(into: Map<string, number>, from: Map<string, number>): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
}

function summarize(reports: SequenceReport[], servers: RunningServer[], ms: number): string {
  const outcomes = new Map<string, number>();
  const skipped = new Map<string, number>();
  for (const r of reports) {
    merge(outcomes, r.outcomes);
    merge(skipped, r.skipped);
  }
  const sent = reports.reduce((n, r) => n + r.sent, 0);
  const excused = reports.flatMap((r) => r.excused);
  const fmt = (m: Map<string, number>) => [...m].sort().map(([k, v]) => `${k}×${v}`).join(" ");
  return [
    `diff: ${reports.length} sequences, ${sent} requests to each of etcd, ${
      servers.map((s) => s.name).join(", ")
    } in ${ms} ms`,
    `  etcd outcomes: ${fmt(outcomes)}`,
    `  skipped: ${fmt(skipped) || "none"}`,
    `  excused as deliberate: ${excused.length === 0 ? "none" : excused.map((e) => `${e.id}@${e.server}`).join(", ")}`,
  ].join("\n");
}

/**
 * The failure message: mismatches grouped by which fields differ (one kind
 * of bug usually shows up in many sequences), one full example per group.
 */
function explain(mismatches: Mismatch[]): string {
  const groups = new Map<string, Mismatch[]>();
  for (const m of mismatches) {
    const kind = m.differences.map((d) => d.path).join(", ");
    groups.set(kind, [...(groups.get(kind) ?? []), m]);
  }
  const parts = [`${mismatches.length} sequence(s) diverged from etcd, ${groups.size} kind(s) of difference:`];
  for (const [kind, ms] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
    const where = ms.slice(0, 6).map((m) => `${m.sequence} op ${m.step} on ${m.server}`).join("; ");
    parts.push(`\n### ${ms.length}× ${kind}\n  e.g. ${where}${ms.length > 6 ? "; …" : ""}\n${describeMismatch(ms[0])}`);
  }
  return parts.join("\n");
}

Deno.test("v2 keys API answers match real etcd 3.4 on seeded request sequences", async () => {
  const { seeds, custom: customSeeds } = seedsToRun();
  const { names: scenarioNames, custom: customScenarios } = scenariosToRun(SCENARIOS.map((s) => s.name));
  const custom = customSeeds || customScenarios;
  const oracle = await startOracle();
  let ours: RunningServer[] = [];
  try {
    ours = await startOurs();
    // A long-lived server keeps the keys of earlier runs: use fresh prefixes.
    const prefixTag = Deno.env.get("DIFF_OURS_URL") ? `_${Date.now().toString(36)}` : "";
    const ignore = (Deno.env.get("DIFF_IGNORE") ?? "").split(",").map((p) => p.trim()).filter((p) => p !== "");
    if (ignore.length > 0) console.log(`diff: NOT comparing ${ignore.join(", ")} (DIFF_IGNORE)`);
    const started = Date.now();
    const reports: SequenceReport[] = [];
    for (const scenario of SCENARIOS.filter((s) => scenarioNames.includes(s.name))) {
      reports.push(await runSequence(scenarioSequence(scenario, prefixTag), oracle, ours, { ignore }));
    }
    for (const seed of seeds) reports.push(await runSeed(seed, oracle, ours, { prefixTag, ignore }));
    console.log(summarize(reports, ours, Date.now() - started));

    const mismatches = reports.flatMap((r) => r.mismatches);
    if (mismatches.length > 0) assert.fail(explain(mismatches));
    const oracleTimeouts = reports.filter((r) => r.outcomes.has("timeout")).map((r) => r.name);
    assert.deepEqual(oracleTimeouts, [], "etcd itself timed out: the generator made a watch that nothing wakes");
    if (!custom) {
      const seen = new Set(reports.flatMap((r) => [...r.outcomes.keys()]));
      const missing = REQUIRED_OUTCOMES.filter((o) => !seen.has(o));
      assert.deepEqual(missing, [], `the default seeds no longer exercise these etcd outcomes: ${missing.join(", ")}`);
      const seenLabels = new Set(reports.flatMap((r) => [...r.labelOutcomes.keys()]));
      const missingLabels = REQUIRED_LABEL_OUTCOMES.filter((o) => !seenLabels.has(o));
      assert.deepEqual(missingLabels, [], `the default seeds no longer exercise: ${missingLabels.join(", ")}`);
    }
  } finally {
    await Promise.all([oracle, ...ours].map((s) => s.stop()));
  }
});
