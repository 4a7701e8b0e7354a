// The runtime's helper threads run at the lowest CPU priority, the thread
// that answers requests (and on Deno the runtime's I/O threads) at their
// own: checked in a running member's /proc on each runtime (Linux only), and
// the choice of threads on its own.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import process from "node:process";
import { helperThreads, HELPER_NICE } from "../../server/runtime/helper_threads.ts";
import { call } from "../helpers/http.ts";
import { runtimesUnderTest, startServer } from "../helpers/server.ts";

Deno.test("helper threads: on Node every thread but the main one, on Deno the ones V8 names", () => {
  const threads = [
    { tid: 10, name: "deno" },
    { tid: 11, name: "V8 DefaultWorke" },
    { tid: 12, name: "tokio-runtime-w" },
    { tid: 13, name: "V8 DefaultWorke" },
  ];
  assert.deepEqual(helperThreads(threads, 10, true), [11, 13]);
  assert.deepEqual(helperThreads(threads, 10, false), [11, 12, 13]);
  assert.deepEqual(helperThreads([], 10, false), []);
});

interface ThreadState {
  tid: number;
  name: string;
  nice: number;
}

/** A process's threads with their nice values, from /proc/<pid>/task/<tid>/stat. */
function threadsOf(pid: number): ThreadState[] {
  return readdirSync(`/proc/${pid}/task`).map((t) => {
    const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, "utf8");
    // Fields after the name, which is in parentheses and may hold spaces; nice is field 19.
    const after = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { tid: Number(t), name: readFileSync(`/proc/${pid}/task/${t}/comm`, "utf8").trim(), nice: Number(after[19 - 3]) };
  });
}

for (const runtime of runtimesUnderTest()) {
  Deno.test({
    name: `a member on ${runtime} runs its helper threads at nice ${HELPER_NICE}`,
    ignore: process.platform !== "linux",
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const s = await startServer({ runtime });
      try {
        // Writes and reads, so every thread the member starts has started.
        for (let i = 0; i < 20; i++) await call("PUT", `${s.clientUrl}/v2/keys/t${i}`, { value: "v" });
        assert.equal((await call("GET", `${s.clientUrl}/v2/keys/t3`)).json.node.value, "v");
        const pid = s.pid();
        const threads = threadsOf(pid);
        const main = threads.find((t) => t.tid === pid)!;
        assert.equal(main.nice, 0, "the thread that answers requests keeps its priority");
        const lowered = threads.filter((t) => t.nice === HELPER_NICE);
        assert.ok(lowered.length >= 1, `no helper thread was lowered: ${JSON.stringify(threads)}`);
        for (const t of threads) {
          // On Node every thread but the main one; on Deno exactly the ones V8 names.
          const helper = t.tid !== pid && (runtime === "node" || t.name.startsWith("V8 "));
          assert.equal(t.nice, helper ? HELPER_NICE : 0, JSON.stringify(t));
        }
        if (runtime === "deno") assert.ok(threads.some((t) => t.tid !== pid && t.nice === 0), "Deno's I/O threads keep their priority");
      } finally {
        await s.stop();
      }
    },
  });
}
