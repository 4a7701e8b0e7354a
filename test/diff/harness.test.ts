// Tests of the differential harness itself: that normalization hides only
// what must be hidden (base index, timing), and that real differences show.
import assert from "node:assert/strict";
import { startRealEtcd } from "../helpers/etcd_real.ts";
import { compareRecords } from "./compare.ts";
import { type Deliberate, excuse } from "./deliberate.ts";
import { startMutatingProxy } from "./mutating_proxy.ts";
import { normalize, type NormalizeContext, type RawResponse } from "./normalize.ts";
import { generateOps } from "./ops.ts";
import { render, resolve } from "./request.ts";
import { runSeed } from "./run.ts";
import { parseSeeds } from "./seeds.ts";
import { shiftIndex } from "./targets.ts";
import { Tracker } from "./tracker.ts";

const JSON_HEADERS = (index: number, raft = true): Record<string, string> => ({
  "content-type": "application/json",
  "x-etcd-index": String(index),
  "x-etcd-cluster-id": "abc",
  ...(raft ? { "x-raft-index": "99", "x-raft-term": "2" } : {}),
});

function res(status: number, headers: Record<string, string>, body: unknown): RawResponse {
  return { status, headers, body: JSON.stringify(body) + "\n" };
}

const ctx = (base: number, extra: Partial<NormalizeContext> = {}): NormalizeContext => ({
  base,
  sorted: false,
  hasPrevIndex: false,
  ...extra,
});

Deno.test("normalize: the same answer from servers at different base indexes is equal", () => {
  const etcd = res(201, JSON_HEADERS(9), {
    action: "set",
    node: { key: "/diff1/a", value: "v", modifiedIndex: 9, createdIndex: 9 },
  });
  const ours = res(201, JSON_HEADERS(1), {
    action: "set",
    node: { key: "/diff1/a", value: "v", modifiedIndex: 1, createdIndex: 1 },
  });
  const a = normalize(etcd, ctx(4));
  const b = normalize(ours, ctx(-4));
  assert.deepEqual(compareRecords(a, b), []);
  assert.equal((a.body as { node: { modifiedIndex: number } }).node.modifiedIndex, 5);
  assert.equal(a.headers.etcdIndex, 5);
});

Deno.test("compare: a different errorCode is reported with its path", () => {
  const body = (code: number) => ({ errorCode: code, message: "Key not found", cause: "/diff1/a", index: 7 });
  const a = normalize(res(404, JSON_HEADERS(7, false), body(100)), ctx(4));
  const b = normalize(res(404, JSON_HEADERS(7, false), body(101)), ctx(4));
  assert.deepEqual(compareRecords(a, b), [{ path: "body.errorCode", etcd: 100, ours: 101 }]);
});

Deno.test("compare: status, header presence and a missing field are all differences", () => {
  const ok = res(200, JSON_HEADERS(5), {
    action: "get",
    node: { key: "/k", value: "v", modifiedIndex: 5, createdIndex: 5 },
  });
  const a = normalize(ok, ctx(0));
  const noRaft = normalize({ ...ok, headers: JSON_HEADERS(5, false) }, ctx(0));
  assert.deepEqual(
    compareRecords(a, noRaft).map((d) => d.path),
    ["headers.raftIndex", "headers.raftTerm"],
  );
  const noValue = normalize(
    res(200, JSON_HEADERS(5), { action: "get", node: { key: "/k", modifiedIndex: 5, createdIndex: 5 } }),
    ctx(0),
  );
  assert.deepEqual(compareRecords(a, noValue), [{ path: "body.node.value", etcd: "v", ours: "<absent>" }]);
  const created = normalize({ ...ok, status: 201 }, ctx(0));
  assert.deepEqual(compareRecords(a, created), [{ path: "status", etcd: 200, ours: 201 }]);
  const noNewline = normalize({ ...ok, body: ok.body.trimEnd() }, ctx(0));
  assert.deepEqual(compareRecords(a, noNewline), [{ path: "trailingNewline", etcd: true, ours: false }]);
});

Deno.test("normalize: index 0 of a parse error is not a relative index", () => {
  const parseError = { errorCode: 203, message: "The given index in POST form is not a number", cause: "x", index: 0 };
  const a = normalize(res(400, { "x-etcd-index": "0" }, parseError), ctx(4));
  assert.equal((a.body as { index: unknown }).index, "zero");
  assert.equal(a.headers.etcdIndex, "zero");
  // A server that answers with its current index instead is caught.
  const b = normalize(res(400, { "x-etcd-index": "4" }, { ...parseError, index: 4 }), ctx(4));
  assert.deepEqual(compareRecords(a, b).map((d) => d.path), ["body.index", "headers.etcdIndex"]);
});

Deno.test("normalize: in-order key names and index-bearing causes become relative", () => {
  const key = normalize(
    res(201, JSON_HEADERS(12), {
      action: "create",
      node: { key: "/diff1/q/00000000000000000012", value: "", modifiedIndex: 12, createdIndex: 12 },
    }),
    ctx(4),
  );
  assert.equal((key.body as { node: { key: string } }).node.key, "/diff1/q/#8");

  const cas = { errorCode: 101, message: "Compare failed", cause: "[zz != v] [5 != 9]", index: 9 };
  const withIndex = normalize(res(412, JSON_HEADERS(9, false), cas), ctx(4, { hasPrevIndex: true }));
  assert.equal((withIndex.body as { cause: string }).cause, "[zz != v] [#1 != #5]");
  // Without a prevIndex in the request, the brackets hold values: untouched.
  const valueOnly = normalize(
    res(412, JSON_HEADERS(9, false), { ...cas, cause: "[5 != 9]" }),
    ctx(4),
  );
  assert.equal((valueOnly.body as { cause: string }).cause, "[5 != 9]");

  const cleared = {
    errorCode: 401,
    message: "The event in requested index is outdated and cleared",
    cause: "the requested history has been cleared [1204/1100]",
    index: 2203,
  };
  const c = normalize(res(400, JSON_HEADERS(2203, false), cleared), ctx(1200));
  assert.equal((c.body as { cause: string }).cause, "the requested history has been cleared [#4/#-100]");
});

Deno.test("normalize: unsorted listings compare as sets, sorted ones in order", () => {
  const node = (k: string) => ({ key: k, value: k, modifiedIndex: 5, createdIndex: 5 });
  const listing = (keys: string[]) =>
    res(200, JSON_HEADERS(6), {
      action: "get",
      node: { key: "/d", dir: true, nodes: keys.map(node), modifiedIndex: 5, createdIndex: 5 },
    });
  const ab = listing(["/d/a", "/d/b"]);
  const ba = listing(["/d/b", "/d/a"]);
  assert.deepEqual(compareRecords(normalize(ab, ctx(0)), normalize(ba, ctx(0))), []);
  assert.notDeepEqual(
    compareRecords(normalize(ab, ctx(0, { sorted: true })), normalize(ba, ctx(0, { sorted: true }))),
    [],
  );
});

Deno.test("compare: ttl may differ by one second, expiration only by format", () => {
  const withTtl = (ttl: number, expiration: string) =>
    normalize(
      res(200, JSON_HEADERS(6), {
        action: "get",
        node: { key: "/t", value: "v", ttl, expiration, modifiedIndex: 6, createdIndex: 6 },
      }),
      ctx(0),
    );
  const a = withTtl(100, "2026-11-22T03:18:16.728476995Z");
  assert.deepEqual(compareRecords(a, withTtl(99, "2026-11-22T03:18:15.1Z")), []);
  assert.deepEqual(compareRecords(a, withTtl(98, "2026-11-22T03:18:15.1Z")), [
    { path: "body.node.ttl", etcd: 100, ours: 98 },
  ]);
  assert.deepEqual(compareRecords(a, withTtl(100, "2026-11-22 03:18:16")), [
    { path: "body.node.expiration", etcd: "<utc-time>", ours: "2026-11-22 03:18:16" },
  ]);
});

Deno.test("deliberate: an entry excuses only the cases it matches", () => {
  const list: Deliberate[] = [{
    id: "example",
    reason: "example entry for this test",
    matches: (c) => c.differences.every((d) => d.path === "body.message"),
  }];
  const a = normalize(res(412, JSON_HEADERS(5, false), { errorCode: 101, message: "Compare failed" }), ctx(0));
  const b = normalize(res(412, JSON_HEADERS(5, false), { errorCode: 101, message: "Test Failed" }), ctx(0));
  const c = normalize(res(412, JSON_HEADERS(5, false), { errorCode: 105, message: "Compare failed" }), ctx(0));
  const op = generateOps(1)[0];
  const request = resolve(op, new Tracker("/diff1"), 0);
  assert.ok(!("skip" in request));
  const base = { op, request, etcd: a };
  assert.equal(excuse({ ...base, ours: b, differences: compareRecords(a, b) }, list)?.id, "example");
  assert.equal(excuse({ ...base, ours: c, differences: compareRecords(a, c) }, list), undefined);
});

Deno.test("ops: a seed always gives the same 50–200 requests, without absolute indexes", () => {
  for (const seed of [1, 2, 3, 99, 12345]) {
    const ops = generateOps(seed);
    assert.deepEqual(ops, generateOps(seed));
    assert.ok(ops.length >= 50 && ops.length <= 200, `seed ${seed}: ${ops.length} ops`);
    for (const op of ops) {
      for (const [name, value] of [...op.query, ...(op.form ?? [])]) {
        if ((name === "prevIndex" || name === "waitIndex") && typeof value === "string") {
          assert.ok(!/^[1-9]\d*$/.test(value), `seed ${seed}: literal ${name}=${value} would not be comparable`);
        }
      }
    }
  }
  assert.notDeepEqual(generateOps(1), generateOps(2));
});

Deno.test("request: rendering makes relative indexes and in-order names absolute", () => {
  const tracker = new Tracker("/diff5");
  tracker.observe(
    { method: "POST", isWait: false, isRefresh: false },
    normalize(
      res(201, JSON_HEADERS(14), {
        action: "create",
        node: { key: "/diff5/q/00000000000000000014", value: "x", modifiedIndex: 14, createdIndex: 14 },
      }),
      ctx(10),
    ),
  );
  const req = resolve(
    {
      label: "t",
      method: "PUT",
      target: { kind: "inorder", dir: "q", pick: 0 },
      query: [["prevIndex", { ref: "indexOf", path: "q/#4", delta: 0 }]],
      form: [["value", "a b&c"]],
    },
    tracker,
    10,
  );
  assert.ok(!("skip" in req));
  assert.deepEqual(req.query, [["prevIndex", { rel: 4 }]]);
  const r = render(req, "http://h:1", 100);
  assert.equal(r.url, "http://h:1/v2/keys/diff5/q/00000000000000000104?prevIndex=104");
  assert.equal(r.body, "value=a+b%26c");
});

Deno.test("seeds: DIFF_SEEDS accepts lists and ranges", () => {
  assert.deepEqual(parseSeeds("7"), [7]);
  assert.deepEqual(parseSeeds("1,5, 9"), [1, 5, 9]);
  assert.deepEqual(parseSeeds("3-5,8"), [3, 4, 5, 8]);
  assert.throws(() => parseSeeds("x"), /DIFF_SEEDS/);
});

Deno.test("harness: etcd against a second etcd shows no difference; a changed answer is caught", async () => {
  const oracle = await startRealEtcd();
  const second = await startRealEtcd();
  const honest = startMutatingProxy(second.clientUrl);
  const buggy = startMutatingProxy(second.clientUrl, {
    body: (b) => b.replace('"message":"Compare failed"', '"message":"Test Failed"'),
  });
  try {
    await shiftIndex(second.clientUrl, 11);
    const etcd = { name: "etcd", url: oracle.clientUrl };
    const seeds = [1, 2, 3];
    for (const seed of seeds) {
      const report = await runSeed(seed, etcd, [{ name: "honest-proxy", url: honest.url }], { prefixTag: "_honest" });
      assert.deepEqual(report.mismatches, [], `seed ${seed}: etcd vs etcd must not differ`);
      assert.ok(report.sent >= 45, `seed ${seed}: only ${report.sent} requests sent`);
    }
    let caught = 0;
    for (const seed of seeds) {
      const report = await runSeed(seed, etcd, [{ name: "buggy-proxy", url: buggy.url }], { prefixTag: "_buggy" });
      const compareFailed = [...report.outcomes.keys()].includes("412/101");
      assert.equal(report.mismatches.length, compareFailed ? 1 : 0, `seed ${seed}`);
      for (const m of report.mismatches) {
        assert.deepEqual(m.differences, [{ path: "body.message", etcd: "Compare failed", ours: "Test Failed" }]);
        assert.equal(m.sequence, `seed ${seed}`);
        caught++;
      }
    }
    assert.ok(caught > 0, "none of the seeds produced a failed compare");
  } finally {
    await Promise.all([honest.stop(), buggy.stop()]);
    await Promise.all([oracle.stop(), second.stop()]);
  }
});
