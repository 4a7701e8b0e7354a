// Store micro-benchmark for the scale workload's hot paths: set of new keys
// (100 directories × N keys, as replay after kill -9 does it), set over
// existing keys, a recursive GET of one 1000-key directory, and a snapshot
// save + JSON round trip + load of the whole keyspace.
//
//   npx deno run -A bench/store_scale.ts [keys=100000]
//   npx esbuild bench/store_scale.ts --bundle --platform=node --format=esm --outfile=/tmp/storebench.mjs && node /tmp/storebench.mjs

import process from "node:process";
import { loadStore, saveStore } from "../server/store/snapshot.ts";
import { Store } from "../server/store/store.ts";

const KEYS = Number(process.argv[2] ?? 100_000);
const DIRS = 100;
const value = (i: number) => `${i}-`.padEnd(64, "x");

function timed(name: string, ops: number, fn: () => void): void {
  const t0 = performance.now();
  fn();
  const ms = performance.now() - t0;
  console.log(`${name.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms  ${(ops / (ms / 1000)).toFixed(0).padStart(9)} ops/s`);
}

const store = new Store();
timed(`set ${KEYS} new keys in ${DIRS} dirs`, KEYS, () => {
  for (let i = 0; i < KEYS; i++) store.set(`/bench/scale/d${i % DIRS}/k${Math.floor(i / DIRS)}`, false, value(i));
});
timed(`set ${KEYS} existing keys`, KEYS, () => {
  for (let i = 0; i < KEYS; i++) store.set(`/bench/scale/d${i % DIRS}/k${Math.floor(i / DIRS)}`, false, value(i + 1));
});
timed("GET recursive 1000-key dir + JSON × 200", 200, () => {
  for (let i = 0; i < 200; i++) JSON.stringify(store.get("/bench/scale/d7", true, false).toJSON());
});
let json = "";
timed("snapshot: save + JSON.stringify", 1, () => {
  json = JSON.stringify(saveStore(store));
});
timed("snapshot: JSON.parse + load", 1, () => {
  loadStore(JSON.parse(json));
});
console.log(`snapshot ${(json.length / 1048576).toFixed(1)} MiB`);
