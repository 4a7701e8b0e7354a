// Property tests of the keyspace against a deliberately simple model (a flat
// map of paths), plus snapshot round trips and replay determinism.

import assert from "node:assert/strict";
import fc from "fast-check";
import { applyRequest, type V2Request } from "../../server/store/apply.ts";
import { EtcdError } from "../../server/store/errors.ts";
import { loadStore, saveStore } from "../../server/store/snapshot.ts";
import { Store } from "../../server/store/store.ts";

interface MNode {
  dir: boolean;
  value: string;
  ci: number;
  mi: number;
}

/** The model: every node by full path, the root implicit. */
class Model {
  nodes = new Map<string, MNode>();
  index = 0;

  private ancestors(path: string): string[] {
    const parts = path.split("/").filter(Boolean);
    return parts.slice(0, -1).map((_, i) => "/" + parts.slice(0, i + 1).join("/"));
  }

  /** etcd's walk: 104 at the first file on the way, 100 at the first missing element. */
  lookup(path: string): MNode | "root" {
    if (path === "/") return "root";
    for (const a of [...this.ancestors(path), path]) {
      const parent = a.slice(0, a.lastIndexOf("/")) || "/";
      if (parent !== "/" && !this.nodes.get(parent)!.dir) throw [104, parent];
      if (!this.nodes.has(a)) throw [100, a];
    }
    return this.nodes.get(path)!;
  }

  private mkParents(path: string, at: number) {
    for (const a of this.ancestors(path)) {
      const n = this.nodes.get(a);
      if (n && !n.dir) throw [104, a];
      if (!n) this.nodes.set(a, { dir: true, value: "", ci: at, mi: at });
    }
  }

  private removeTree(path: string) {
    for (const k of [...this.nodes.keys()]) if (k === path || k.startsWith(path + "/")) this.nodes.delete(k);
  }

  apply(r: V2Request): { key: string; value?: string; mi: number; ci: number } {
    const next = this.index + 1;
    const val = r.val ?? "";
    const write = (path: string, replace: boolean) => {
      if (path === "/") throw [107, "/"];
      this.mkParents(path, next);
      const old = this.nodes.get(path);
      if (old && !replace) throw [105, path];
      if (old && old.dir) throw [102, path];
      this.nodes.set(path, { dir: !!r.dir, value: r.dir ? "" : val, ci: next, mi: next });
      this.index = next;
      return { key: path, value: r.dir ? undefined : val, mi: next, ci: next };
    };
    const compare = (n: MNode) => {
      const vOk = !r.prevValue || n.value === r.prevValue;
      const iOk = !r.prevIndex || n.mi === r.prevIndex;
      if (!vOk || !iOk) throw [101, ""];
    };
    if (r.method === "PUT" && r.prevExist === false) return write(r.path, false);
    if (r.method === "PUT" && (r.prevExist === true || r.prevValue || r.prevIndex)) {
      if (r.path === "/") throw [107, "/"];
      const n = this.lookup(r.path) as MNode;
      const cas = !!(r.prevValue || r.prevIndex);
      if (n.dir && (cas || val !== "")) throw [102, r.path];
      if (cas) compare(n);
      if (!n.dir) {
        n.value = val;
        n.mi = next;
      }
      this.index = next;
      return { key: r.path, value: n.dir ? undefined : val, mi: next, ci: n.ci };
    }
    if (r.method === "PUT") return write(r.path, true);
    // DELETE
    if (r.path === "/" && !(r.prevValue || r.prevIndex)) throw [107, "/"];
    const n = this.lookup(r.path);
    if (n === "root") throw [102, "/"];
    if (r.prevValue || r.prevIndex) {
      if (n.dir) throw [102, r.path];
      compare(n);
    } else if (n.dir) {
      if (!r.dir && !r.recursive) throw [102, r.path];
      const hasChildren = [...this.nodes.keys()].some((k) => k.startsWith(r.path + "/"));
      if (hasChildren && !r.recursive) throw [108, r.path];
    }
    this.removeTree(r.path);
    this.index = next;
    return { key: r.path, mi: next, ci: n.ci };
  }
}

const paths = fc.constantFrom("/a", "/b", "/a/x", "/a/y", "/a/x/deep", "/b/_h", "/");
const values = fc.constantFrom("", "one", "two");
const request: fc.Arbitrary<V2Request> = fc.oneof(
  fc.record({ method: fc.constant("PUT" as const), path: paths, val: values, dir: fc.boolean() }),
  fc.record({ method: fc.constant("PUT" as const), path: paths, val: values, prevExist: fc.boolean() }),
  fc.record({ method: fc.constant("PUT" as const), path: paths, val: values, prevValue: fc.constantFrom("one", "two") }),
  fc.record({ method: fc.constant("PUT" as const), path: paths, val: values, prevIndex: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ method: fc.constant("DELETE" as const), path: paths, dir: fc.boolean(), recursive: fc.boolean() }),
  fc.record({ method: fc.constant("DELETE" as const), path: paths, prevValue: fc.constantFrom("one", "two") }),
);

function run(store: Store, r: V2Request): unknown {
  try {
    const e = applyRequest(store, r)!;
    return { ok: e.action, key: e.node.key, value: e.node.value, mi: e.node.modifiedIndex, ci: e.node.createdIndex };
  } catch (err) {
    if (err instanceof EtcdError) return { err: err.errorCode, cause: err.cause, index: err.index };
    throw err;
  }
}

Deno.test("store agrees with a flat-map model on random operation sequences", () => {
  fc.assert(
    fc.property(fc.array(request, { maxLength: 60 }), (reqs) => {
      const store = new Store();
      const model = new Model();
      for (const r of reqs) {
        const got = run(store, r) as Record<string, unknown>;
        let want: Record<string, unknown>;
        try {
          want = model.apply(r);
        } catch (e) {
          const [code, cause] = e as [number, string];
          want = { err: code, cause };
        }
        if ("err" in want) {
          assert.equal(got.err, want.err, `error code for ${JSON.stringify(r)}: ${JSON.stringify(got)}`);
          if (want.err !== 101) assert.equal(got.cause, want.cause, `cause for ${JSON.stringify(r)}`);
          assert.equal(got.index, model.index, "errors carry the current index");
        } else {
          assert.equal(got.err, undefined, `unexpected error for ${JSON.stringify(r)}: ${JSON.stringify(got)}`);
          assert.equal(got.key, want.key);
          assert.equal(got.value, want.value);
          assert.equal(got.mi, want.mi);
          assert.equal(got.ci, want.ci);
        }
        assert.equal(store.index, model.index);
      }
      // Final state: every model node is readable with the same value and indexes.
      for (const [path, n] of model.nodes) {
        const e = store.get(path);
        assert.equal(e.node.dir ?? false, n.dir, path);
        if (!n.dir) assert.equal(e.node.value, n.value, path);
        assert.equal(e.node.createdIndex, n.ci, path);
      }
      const listed: string[] = [];
      const walk = (nodes: { key?: string; nodes?: unknown[] }[] | undefined) => {
        for (const n of nodes ?? []) {
          listed.push(n.key!);
          walk(n.nodes as typeof nodes);
        }
      };
      walk(store.get("/", true).node.nodes);
      const visible = [...model.nodes.keys()].filter((k) => !k.split("/").some((p) => p.startsWith("_")));
      assert.deepEqual(listed.sort(), visible.sort());
    }),
    { numRuns: 400 },
  );
});

Deno.test("snapshot round trip: same state, same answers to the same next operations", () => {
  fc.assert(
    fc.property(fc.array(request, { maxLength: 40 }), fc.array(request, { maxLength: 20 }), (before, after) => {
      const a = new Store(() => 0);
      for (const r of before) run(a, r);
      const b = loadStore(JSON.parse(JSON.stringify(saveStore(a))), () => 0);
      assert.deepEqual(b.get("/", true, true).toJSON(), a.get("/", true, true).toJSON());
      assert.equal(b.index, a.index);
      for (const r of after) assert.deepEqual(run(b, r), run(a, r));
    }),
    { numRuns: 200 },
  );
});

Deno.test("TTL expiry is a deterministic function of the SYNC times in the log", () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ path: paths, ttl: fc.integer({ min: 0, max: 5 }), syncAt: fc.integer({ min: 0, max: 8 }) }), { maxLength: 30 }),
      (ops) => {
        const replicas = [new Store(() => 0), new Store(() => 999_999)];
        const outs = replicas.map((s) =>
          ops.map((o) => [
            run(s, { method: "PUT", path: o.path === "/" ? "/t" : o.path, val: "v", expireAt: o.ttl ? o.ttl * 1000 : undefined }),
            (applyRequest(s, { method: "SYNC", path: "/", time: o.syncAt * 1000 }), s.index),
          ])
        );
        assert.deepEqual(outs[0], outs[1]);
        assert.deepEqual(
          JSON.stringify(saveStore(replicas[0]).root),
          JSON.stringify(saveStore(replicas[1]).root),
        );
      },
    ),
    { numRuns: 200 },
  );
});
