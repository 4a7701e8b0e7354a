// Where ours spends memory with 100k keys and time recovering them: runs the
// bundled server (dist/etcd.js) under node, loads the scale workload's keys,
// prints RSS before and after a full GC (the heap snapshot forces one) and
// the heap's largest constructors by self size; then kill -9, restarts it
// under --cpu-prof, and prints the top self-time functions of recovery.
//
//   npx deno run -A bench/lib/profile_scale.ts [keys=100000] [heap|recovery|both]

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { hostRange, killAll, spawnCluster, stopCluster, stopMember, waitReady } from "./members.ts";
import { treeRssMiB } from "./proc.ts";
import { topSelf } from "./profile.ts";
import { loadScaleKeys, scaleValue, untilRecovered } from "../scale.ts";

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size per (type, constructor name), largest first. */
function heapByConstructor(file: string, count: number): string[] {
  const snap = JSON.parse(fs.readFileSync(file, "utf8")) as HeapSnapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [fType, fName, fSize] = ["type", "name", "self_size"].map((f) => fields.indexOf(f));
  const tally = new Map<string, { bytes: number; n: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + fType]];
    const name = type === "object" || type === "closure" ? snap.strings[snap.nodes[i + fName]] : `(${type})`;
    const size = snap.nodes[i + fSize];
    total += size;
    const t = tally.get(name) ?? { bytes: 0, n: 0 };
    t.bytes += size;
    t.n++;
    tally.set(name, t);
  }
  return [`heap total ${(total / 1048576).toFixed(1)} MiB`, ...[...tally.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, count)
    .map(([k, t]) => `${(t.bytes / 1048576).toFixed(1).padStart(7)} MiB ${String(t.n).padStart(8)}×  ${k}`)];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const keys = Number(process.argv[2] ?? 100_000);
  const mode = process.argv[3] ?? "both";
  const plan = { dirs: 100, keysPerDir: keys / 100, loadConnections: 128 };
  const root = new URL("../../", import.meta.url).pathname;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-profscale-"));
  const host = hostRange(39, 39)();
  try {
    const script = path.join(dir, "etcd.mjs");
    fs.copyFileSync(path.join(root, "dist/etcd.js"), script);
    const flags = { heartbeatMs: 100, electionMs: 1000 };
    const heap = { system: "ours" as const, command: "node", prefix: ["--trace-gc", "--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${dir}`, script] };
    let [m] = spawnCluster(heap, [{ name: "m0", host }], flags, dir);
    await waitReady(m, 30_000);
    const t0 = performance.now();
    await loadScaleKeys(m, plan);
    console.log(`loaded ${keys} keys in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await sleep(2000);
    console.log(`RSS idle after load: ${treeRssMiB(m.child.pid!).toFixed(0)} MiB`);
    // --trace-gc's last full collections: live heap before -> after (committed) MB.
    const gcLog = fs.readFileSync(path.join(dir, `ours-${host}.log`), "utf8").split("\n").filter((l) => l.includes("Mark-Compact"));
    console.log(gcLog.slice(-3).join("\n"));
    if (mode !== "recovery") m.child.kill("SIGUSR2");
    let snapFile: string | undefined;
    for (let i = 0; i < 600 && !snapFile && mode !== "recovery"; i++) {
      await sleep(100);
      const f = fs.readdirSync(dir).find((x) => x.endsWith(".heapsnapshot"));
      // Written when its size stops changing.
      if (f && i % 5 === 0) {
        const s1 = fs.statSync(path.join(dir, f)).size;
        await sleep(500);
        if (fs.statSync(path.join(dir, f)).size === s1 && s1 > 0) snapFile = path.join(dir, f);
      }
    }
    console.log(`RSS after the snapshot's full GC: ${treeRssMiB(m.child.pid!).toFixed(0)} MiB`);
    if (snapFile) console.log(heapByConstructor(snapFile, 25).join("\n"));
    const oldPid = m.child.pid!;
    await stopMember(m, "SIGKILL");
    if (fs.existsSync(`/proc/${oldPid}`)) console.log(`pid ${oldPid} still present after SIGKILL`);
    if (mode === "heap") return;
    const prof = { system: "ours" as const, command: "node", prefix: ["--cpu-prof", `--cpu-prof-dir=${dir}`, script] };
    [m] = spawnCluster(prof, [{ name: "m0", host, dataDir: m.dataDir }], flags, dir);
    const lastD = (keys - 1) % 100, lastK = Math.floor((keys - 1) / 100);
    const ms = await untilRecovered(m, `${m.clientUrl}/v2/keys/bench/scale/d${lastD}/k${lastK}`, scaleValue(lastD, lastK), 120_000);
    console.log(`recovered in ${ms.toFixed(0)} ms; RSS ${treeRssMiB(m.child.pid!).toFixed(0)} MiB`);
    const pid = m.child.pid;
    await stopCluster([m]);
    const file = fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile") && f.includes(`.${pid}.`));
    if (file) console.log(topSelf(JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")), 30).join("\n"));
  } finally {
    killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
