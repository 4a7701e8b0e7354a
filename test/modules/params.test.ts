// Reading module requests: names, form values (body before query), and
// the etcd error each bad field gets.

import assert from "node:assert/strict";
import {
  readModuleRequest,
  selectorOf,
  timeoutOf,
  ttlOf,
} from "../../server/modules/params.ts";
import { queueFrom } from "../../server/modules/queue.ts";
import { EtcdError } from "../../server/store/errors.ts";
import type { Form } from "../../server/http/form.ts";

const form = (o: Record<string, string>): Form =>
  new Map(Object.entries(o).map(([k, v]) => [k, [v]]));

function code(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof EtcdError);
    return err.errorCode;
  }
  return 0;
}

Deno.test("ttl: whole seconds from 1; anything else is 202", () => {
  assert.equal(ttlOf(form({ ttl: "60" }), "Acquire"), 60);
  for (const bad of ["", "0", "-1", "1.5", "abc", " 5", "99999999999"]) {
    assert.equal(
      code(() => ttlOf(form({ ttl: bad }), "Acquire")),
      202,
      JSON.stringify(bad),
    );
  }
  assert.equal(code(() => ttlOf(new Map(), "Acquire")), 202);
});

Deno.test("timeout: absent or negative waits forever, 0 does not wait, junk is 205", () => {
  assert.equal(timeoutOf(new Map(), "Acquire"), undefined);
  assert.equal(timeoutOf(form({ timeout: "-1" }), "Acquire"), undefined);
  assert.equal(timeoutOf(form({ timeout: "0" }), "Acquire"), 0);
  assert.equal(timeoutOf(form({ timeout: "7" }), "Acquire"), 7);
  assert.equal(
    code(() => timeoutOf(form({ timeout: "soon" }), "Acquire")),
    205,
  );
});

Deno.test("index or value: exactly one (207, 208); an index is a positive number (203)", () => {
  assert.deepEqual(selectorOf(form({ index: "12" }), "Renew"), { index: 12 });
  assert.deepEqual(selectorOf(form({ value: "bar" }), "Renew"), {
    value: "bar",
  });
  assert.equal(code(() => selectorOf(new Map(), "Renew")), 207);
  assert.equal(
    code(() => selectorOf(form({ index: "", value: "" }), "Renew")),
    207,
  );
  assert.equal(
    code(() => selectorOf(form({ index: "1", value: "x" }), "Renew")),
    208,
  );
  for (const bad of ["customer1", "0", "-3", "1e3"]) {
    assert.equal(
      code(() => selectorOf(form({ index: bad }), "Release")),
      203,
      bad,
    );
  }
});

Deno.test("requests: the name is a clean path; body values come before the query's", async () => {
  const post = new Request("http://x/mod/v2/lock/a%2Fb//c/?ttl=1&value=q", {
    method: "POST",
    body: "value=body+value",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  const r = await readModuleRequest(post, "/mod/v2/lock", 1024);
  assert.equal(r.name, "/a/b/c");
  assert.deepEqual(r.form.get("value"), ["body value", "q"]);
  const bad = new Request("http://x/mod/v2/lock/a?value=%zz");
  await assert.rejects(
    readModuleRequest(bad, "/mod/v2/lock", 1024),
    (e) => e instanceof EtcdError && e.errorCode === 210,
  );
  const json = new Request("http://x/mod/v2/lock/a", {
    method: "POST",
    body: "{}",
    headers: { "Content-Type": "application/json" },
  });
  assert.equal(
    (await readModuleRequest(json, "/mod/v2/lock", 1024)).form.size,
    0,
  );
});

Deno.test("queue: entries in index order; directories and other names are not entries", () => {
  const q = queueFrom({
    key: "/_etcd/mod/lock/x",
    dir: true,
    nodes: [
      {
        key: "/_etcd/mod/lock/x/00000000000000000012",
        value: "b",
        createdIndex: 12,
      },
      { key: "/_etcd/mod/lock/x/sub", dir: true, createdIndex: 3 },
      {
        key: "/_etcd/mod/lock/x/00000000000000000004",
        value: "",
        createdIndex: 4,
      },
      { key: "/_etcd/mod/lock/x/notes", value: "n", createdIndex: 5 },
    ],
  });
  assert.deepEqual(q.map((e) => [e.index, e.value]), [[4, ""], [12, "b"]]);
  assert.deepEqual(queueFrom(undefined), []);
});
