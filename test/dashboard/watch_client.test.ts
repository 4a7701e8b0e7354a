// The dashboard's own v2 client (dashboard/api/), run in Deno against a real
// member: the resuming stream watch and the key operations the UI uses.

import assert from "node:assert/strict";
import { join } from "node:path";
import type { V2Event } from "../../shared/api.ts";
import { createInOrder, deleteNode, ErrorCode, EtcdApiError, getNode, setApiOrigin, setNode } from "../../dashboard/api/keys.ts";
import { type Watch, type WatchStatus, watchKeys } from "../../dashboard/api/watch.ts";
import { cleanup, runtimesUnderTest, startServer } from "../helpers/server.ts";
import { eventually } from "./browser.ts";

const runtime = runtimesUnderTest()[0];

function recorder() {
  const events: V2Event[] = [];
  const states: WatchStatus[] = [];
  const gaps: number[] = [];
  return {
    events,
    states,
    gaps,
    handlers: {
      onEvent: (e: V2Event) => events.push(e),
      onStatus: (s: WatchStatus) => states.push(s),
      onGap: (i: number) => gaps.push(i),
    },
    get state() {
      return states.at(-1)?.state;
    },
  };
}

Deno.test({
  name: "dashboard API client: keys operations and a watch that resumes, reports gaps and survives a restart",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const srv = await startServer({ runtime });
    setApiOrigin(srv.clientUrl);
    const stops: Watch[] = [];
    try {
      await t.step("set, create, in-order, compare-and-swap, get, delete", async () => {
        const set = await setNode("/c/a b?#%", { value: "1" });
        assert.equal(set.node?.key, "/c/a b?#%", "odd characters survive the path encoding");
        await assert.rejects(setNode("/c/a b?#%", { value: "2", prevExist: false }), (e: unknown) => e instanceof EtcdApiError && e.errorCode === ErrorCode.NodeExist);
        await assert.rejects(setNode("/c/a b?#%", { value: "2", prevIndex: 1 }), (e: unknown) => e instanceof EtcdApiError && e.errorCode === ErrorCode.CompareFailed);
        const cas = await setNode("/c/a b?#%", { value: "2", prevIndex: set.node!.modifiedIndex, ttl: 50 });
        assert.equal(cas.action, "compareAndSwap");
        assert.ok((cas.node?.ttl ?? 0) > 40);
        const permanent = await setNode("/c/a b?#%", { value: "3", ttl: "", prevIndex: cas.node!.modifiedIndex });
        assert.equal(permanent.node?.ttl, undefined);
        const dir = await setNode("/c/d", { dir: true, ttl: 100 });
        assert.equal(dir.node?.dir, true);
        const inOrder = await createInOrder("/c/d", "job");
        assert.match(inOrder.node!.key!, /^\/c\/d\/\d{20}$/);
        const listing = await getNode("/c");
        assert.deepEqual(listing.event.node?.nodes?.map((n) => n.key), ["/c/a b?#%", "/c/d"], "sorted");
        assert.ok(listing.etcdIndex >= inOrder.node!.modifiedIndex!);
        await deleteNode("/c/d", { dir: true });
        await assert.rejects(getNode("/c/d"), (e: unknown) => e instanceof EtcdApiError && e.errorCode === ErrorCode.KeyNotFound && /Key not found/.test(e.text));
      });

      await t.step("a watch from now delivers each change once, in order", async () => {
        const r = recorder();
        stops.push(watchKeys("/w", { recursive: true }, r.handlers));
        await eventually(() => r.state === "live", "the watch to be live");
        await setNode("/w/x", { value: "1" });
        await setNode("/w/x", { value: "2" });
        await deleteNode("/w/x", {});
        await eventually(() => r.events.length === 3, "three events");
        assert.deepEqual(r.events.map((e) => e.action), ["set", "set", "delete"]);
        assert.equal(r.events[1].prevNode?.value, "1");
        const idx = r.events.map((e) => e.node!.modifiedIndex!);
        assert.ok(idx[0] < idx[1] && idx[1] < idx[2]);
        assert.equal(stops.at(-1)!.nextIndex(), idx[2] + 1);
        stops.pop()!.stop();
        await setNode("/w/x", { value: "after stop" });
        await new Promise((res) => setTimeout(res, 300));
        assert.equal(r.events.length, 3, "nothing after stop");
        assert.equal(r.state, "stopped");
      });

      await t.step("a watch from an index replays what it missed", async () => {
        const first = await setNode("/replay/a", { value: "1" });
        await setNode("/replay/b", { value: "2" });
        const r = recorder();
        stops.push(watchKeys("/replay", { recursive: true, fromIndex: first.node!.modifiedIndex }, r.handlers));
        await eventually(() => r.events.length === 2, "the two past events");
        assert.deepEqual(r.events.map((e) => e.node?.key), ["/replay/a", "/replay/b"]);
        stops.pop()!.stop();
      });

      await t.step("history that no longer reaches back is reported as a gap, then watching goes on", async () => {
        const old = (await setNode("/gap/start", { value: "0" })).node!.modifiedIndex!;
        for (let i = 0; i < 1100; i += 50) {
          await Promise.all(Array.from({ length: 50 }, (_, j) => setNode(`/gap/k${i + j}`, { value: "x" })));
        }
        const r = recorder();
        stops.push(watchKeys("/gap", { recursive: true, fromIndex: old }, r.handlers));
        await eventually(() => r.gaps.length === 1 && r.state === "live", "a gap, then live");
        assert.ok(r.gaps[0] > old + 1000, `resumes at ${r.gaps[0]}`);
        await setNode("/gap/after", { value: "y" });
        await eventually(() => r.events.some((e) => e.node?.key === "/gap/after"), "the next event");
        stops.pop()!.stop();
      });

      await t.step("the watch keeps going across a restart of the member", async () => {
        const r = recorder();
        stops.push(watchKeys("/r", { recursive: true }, r.handlers));
        await eventually(() => r.state === "live", "the watch to be live");
        await setNode("/r/before", { value: "1" });
        await eventually(() => r.events.length === 1, "the first event");
        await srv.restart();
        await eventually(() => r.states.some((s) => s.state === "retrying"), "the watch to notice");
        await setNode("/r/after", { value: "2" });
        await eventually(() => r.events.some((e) => e.node?.key === "/r/after"), "an event after the restart", 15_000);
        assert.equal(r.events.filter((e) => e.node?.key === "/r/before").length, 1, "nothing delivered twice");
      });

      await t.step("a watch the member refuses fails instead of retrying forever", async () => {
        const r = recorder();
        stops.push(watchKeys("/x", { recursive: false, fromIndex: -5 }, r.handlers));
        await eventually(() => r.state === "failed", "failed");
        assert.ok(r.states.at(-1)?.message);
      });
    } finally {
      for (const s of stops) s.stop();
      await srv.stop();
      cleanup(join(srv.dataDir, ".."));
    }
  },
});
