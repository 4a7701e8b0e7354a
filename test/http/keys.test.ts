// The v2 keys API over HTTP against a real server process, on each runtime:
// every command of etcd 0.2's README (Usage … Creating a hidden node) and the
// etcd 2.x behaviour where 0.2 is silent.

import assert from "node:assert/strict";
import { call, etcdIndex } from "../helpers/http.ts";
import { runtimesUnderTest, type ServerHandle, startServer } from "../helpers/server.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const runtime of runtimesUnderTest()) {
  Deno.test({
    name: `keys API on ${runtime}`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const srv: ServerHandle = await startServer({ runtime, args: ["--max-request-bytes", "1048576"] });
      const K = (p: string) => `${srv.clientUrl}/v2/keys${p}`;
      try {
        await t.step("set, get, change, delete a key (README: Usage)", async () => {
          let r = await call("PUT", K("/message"), { value: "Hello world" });
          assert.equal(r.status, 201);
          assert.equal(r.json.action, "set");
          assert.equal(r.json.node.key, "/message");
          assert.equal(r.json.node.value, "Hello world");
          assert.equal(r.json.node.createdIndex, r.json.node.modifiedIndex);
          assert.equal(r.json.prevNode, undefined);
          const first = r.json.node.modifiedIndex;
          assert.deepEqual(Object.keys(r.json.node), ["key", "value", "modifiedIndex", "createdIndex"]);
          for (const h of ["x-etcd-index", "x-raft-index", "x-raft-term", "x-etcd-cluster-id"]) {
            assert.ok(r.headers.get(h), `header ${h} present`);
          }
          assert.equal(etcdIndex(r), first);

          r = await call("GET", K("/message"));
          assert.equal(r.status, 200);
          assert.deepEqual(r.json, {
            action: "get",
            node: { key: "/message", value: "Hello world", modifiedIndex: first, createdIndex: first },
          });

          r = await call("PUT", K("/message"), { value: "Hello etcd" });
          assert.equal(r.status, 200);
          assert.equal(r.json.action, "set");
          assert.equal(r.json.node.value, "Hello etcd");
          assert.equal(r.json.node.modifiedIndex, first + 1);
          assert.equal(r.json.prevNode.value, "Hello world");

          r = await call("DELETE", K("/message"));
          assert.equal(r.status, 200);
          assert.deepEqual(r.json, {
            action: "delete",
            node: { key: "/message", modifiedIndex: first + 2, createdIndex: first + 1 },
            prevNode: { key: "/message", value: "Hello etcd", modifiedIndex: first + 1, createdIndex: first + 1 },
          });

          r = await call("GET", K("/message"));
          assert.equal(r.status, 404);
          assert.deepEqual(r.json, { errorCode: 100, message: "Key not found", cause: "/message", index: first + 2 });
          assert.equal(etcdIndex(r), first + 2);
        });

        await t.step("key TTL: ttl and expiration, then expiry (README: Using key TTL)", async () => {
          let r = await call("PUT", K("/ttlfoo"), { value: "bar", ttl: "5" });
          assert.equal(r.status, 201);
          assert.equal(r.json.node.ttl, 5);
          assert.match(r.json.node.expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
          const exp = Date.parse(r.json.node.expiration);
          assert.ok(Math.abs(exp - (Date.now() + 5000)) < 2000);
          await call("DELETE", K("/ttlfoo")); // so no expiry lands in a later step's index arithmetic

          r = await call("PUT", K("/ttlshort"), { value: "bar", ttl: "1" });
          const setIndex = r.json.node.modifiedIndex;
          await sleep(1600);
          r = await call("GET", K("/ttlshort"));
          assert.equal(r.status, 404);
          assert.equal(r.json.errorCode, 100);
          assert.equal(r.json.cause, "/ttlshort");
          // The expiry took an index of its own and left an expire event in history.
          r = await call("GET", K("/ttlshort?wait=true&waitIndex=" + (setIndex + 1)));
          assert.equal(r.json.action, "expire");
          assert.equal(r.json.prevNode.value, "bar");
        });

        await t.step("TTL removal with ttl= and errors for bad ttl", async () => {
          let r = await call("PUT", K("/ttlkeep"), { value: "a", ttl: "100" });
          assert.equal(r.json.node.ttl, 100);
          r = await call("PUT", K("/ttlkeep?prevExist=true"), { value: "b", ttl: "" });
          assert.equal(r.json.action, "update");
          assert.equal(r.json.node.ttl, undefined);
          assert.equal(r.json.node.expiration, undefined);
          for (const bad of ["abc", "-1", "1.5"]) {
            r = await call("PUT", K("/ttlbad"), { value: "x", ttl: bad });
            assert.equal(r.status, 400, `ttl=${bad}`);
            assert.deepEqual(r.json, {
              errorCode: 202,
              message: "The given TTL in POST form is not a number",
              cause: `invalid value for "ttl"`,
              index: 0,
            });
          }
          r = await call("GET", K("/ttlbad"));
          assert.equal(r.status, 404, "nothing written by a rejected request");
        });

        await t.step("refresh renews a TTL without changing the value or waking watchers", async () => {
          let r = await call("PUT", K("/refr"), { value: "v", ttl: "2" });
          const idx = r.json.node.modifiedIndex;
          const watch = call("GET", K("/refr?wait=true"), undefined, { timeoutMs: 8000 });
          await sleep(100);
          r = await call("PUT", K("/refr?refresh=true&prevExist=true"), { ttl: "100" });
          assert.equal(r.status, 200);
          assert.equal(r.json.node.value, "v");
          assert.equal(r.json.node.ttl, 100);
          assert.equal(r.json.node.modifiedIndex, idx + 1);
          r = await call("PUT", K("/refr"), { value: "w" });
          const w = await watch;
          assert.equal(w.json.action, "set", "the watcher saw the set, not the refresh");
          assert.equal(w.json.node.value, "w");
          r = await call("PUT", K("/refr?refresh=true"), { value: "x", ttl: "5" });
          assert.equal(r.json.errorCode, 211);
          r = await call("PUT", K("/refr?refresh=true"), {});
          assert.equal(r.json.errorCode, 212);
          r = await call("PUT", K("/nope-refresh?refresh=true"), { ttl: "5" });
          assert.equal(r.json.errorCode, 100);
        });

        await t.step("watch: long poll flushes headers at once, then delivers the event (README: Waiting for a change)", async () => {
          const ctl = new AbortController();
          const timer = setTimeout(() => ctl.abort(), 8000);
          const resp = await fetch(K("/wfoo?wait=true"), { signal: ctl.signal });
          // fetch resolved: status and headers arrived before any event.
          assert.equal(resp.status, 200);
          const startIndex = Number(resp.headers.get("x-etcd-index"));
          assert.ok(startIndex > 0);
          const set = await call("PUT", K("/wfoo"), { value: "bar" });
          const ev = await resp.json();
          clearTimeout(timer);
          assert.deepEqual(ev, set.json);
          // waitIndex returns the past event immediately.
          const again = await call("GET", K(`/wfoo?wait=true&waitIndex=${set.json.node.modifiedIndex}`));
          assert.deepEqual(again.json, set.json);
        });

        await t.step("watch: recursive, stream, and directory deletion wakes key watchers", async () => {
          const rec = call("GET", K("/wdir?wait=true&recursive=true"));
          await sleep(100);
          await call("PUT", K("/wdir/a/b"), { value: "1" });
          assert.equal((await rec).json.node.key, "/wdir/a/b");

          const below = call("GET", K("/wdir/a/b?wait=true"));
          await sleep(100);
          await call("DELETE", K("/wdir?recursive=true"));
          const ev = (await below).json;
          assert.equal(ev.action, "delete");
          assert.equal(ev.node.key, "/wdir");

          const ctl = new AbortController();
          const resp = await fetch(K("/wstream?wait=true&stream=true"), { signal: ctl.signal });
          const reader = resp.body!.getReader();
          await call("PUT", K("/wstream"), { value: "1" });
          await call("PUT", K("/wstream"), { value: "2" });
          let text = "";
          const deadline = Date.now() + 5000;
          while (text.split("\n").filter(Boolean).length < 2 && Date.now() < deadline) {
            const { value } = await reader.read();
            text += new TextDecoder().decode(value);
          }
          ctl.abort();
          const events = text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
          assert.deepEqual(events.map((e) => e.node.value), ["1", "2"]);
        });

        await t.step("a watcher whose client goes away is released", async () => {
          const stats = async () => (await call("GET", `${srv.clientUrl}/v2/stats/store`)).json.watchers;
          // Earlier steps' aborted streams are released asynchronously: start from none.
          const settle = Date.now() + 5000;
          while ((await stats()) !== 0 && Date.now() < settle) await sleep(50);
          const before = await stats();
          assert.equal(before, 0, "every earlier watcher was released");
          const ctl = new AbortController();
          const p = fetch(K("/released?wait=true"), { signal: ctl.signal }).then((r) => r.text()).catch(() => "");
          await sleep(200);
          assert.equal(await stats(), before + 1);
          ctl.abort();
          await p;
          const deadline = Date.now() + 5000;
          while ((await stats()) !== before && Date.now() < deadline) await sleep(50);
          assert.equal(await stats(), before);
        });

        await t.step("waitIndex older than the 1000-event history → 401", async () => {
          const start = etcdIndex(await call("GET", K("/")));
          for (let i = 0; i < 21; i++) {
            await Promise.all(Array.from({ length: 50 }, (_, j) => call("PUT", K(`/hist/${j}`), { value: String(i) })));
          }
          const r = await call("GET", K(`/hist/0?wait=true&waitIndex=${start}`));
          assert.equal(r.status, 400);
          assert.equal(r.json.errorCode, 401);
          assert.equal(r.json.message, "The event in requested index is outdated and cleared");
          assert.match(r.json.cause, new RegExp(`^the requested history has been cleared \\[\\d+/${start}\\]$`));
        });

        await t.step("in-order keys with POST (README: Atomically Creating In-Order Keys)", async () => {
          const a = await call("POST", K("/queue"), { value: "Job1" });
          assert.equal(a.status, 201);
          assert.equal(a.json.action, "create");
          const idx = a.json.node.createdIndex;
          assert.equal(a.json.node.key, `/queue/${String(idx).padStart(20, "0")}`);
          const b = await call("POST", K("/queue"), { value: "Job2" });
          assert.ok(b.json.node.key > a.json.node.key);
          const list = await call("GET", K("/queue?sorted=true"));
          assert.deepEqual(list.json.node.nodes.map((n: { value: string }) => n.value), ["Job1", "Job2"]);
        });

        await t.step("directory TTL, update with prevExist, expire event for keys below (README: Using a directory TTL)", async () => {
          let r = await call("PUT", K("/tdir"), { ttl: "30", dir: "true" });
          assert.equal(r.status, 201);
          assert.equal(r.json.node.dir, true);
          assert.equal(r.json.node.ttl, 30);
          r = await call("PUT", K("/tdir"), { ttl: "1", dir: "true", prevExist: "true" });
          assert.equal(r.json.action, "update");
          assert.equal(r.json.node.dir, true);
          assert.equal(r.json.node.ttl, 1);
          const w = call("GET", K("/tdir/asdf?consistent=true&wait=true"), undefined, { timeoutMs: 8000 });
          const ev = (await w).json;
          assert.equal(ev.action, "expire");
          assert.equal(ev.node.key, "/tdir");
          assert.equal(ev.node.dir, true);
          assert.equal(ev.prevNode.dir, true);
        });

        await t.step("compare-and-swap (README: Atomic Compare-and-Swap)", async () => {
          let r = await call("PUT", K("/cas"), { value: "one" });
          const idx = r.json.node.modifiedIndex;
          r = await call("PUT", K("/cas?prevExist=false"), { value: "three" });
          assert.equal(r.status, 412);
          assert.deepEqual(r.json, { errorCode: 105, message: "Key already exists", cause: "/cas", index: idx });
          r = await call("PUT", K("/cas?prevValue=two"), { value: "three" });
          assert.equal(r.status, 412);
          assert.deepEqual(r.json, { errorCode: 101, message: "Compare failed", cause: "[two != one]", index: idx });
          r = await call("PUT", K(`/cas?prevValue=two&prevIndex=${idx + 7}`), { value: "three" });
          assert.equal(r.json.cause, `[two != one] [${idx + 7} != ${idx}]`);
          r = await call("PUT", K(`/cas?prevIndex=${idx + 7}`), { value: "three" });
          assert.equal(r.json.cause, `[${idx + 7} != ${idx}]`);
          r = await call("PUT", K("/cas?prevValue=one"), { value: "two" });
          assert.equal(r.status, 200);
          assert.equal(r.json.action, "compareAndSwap");
          assert.equal(r.json.node.value, "two");
          assert.equal(r.json.node.createdIndex, idx);
          assert.equal(r.json.node.modifiedIndex, idx + 1);
          assert.equal(r.json.prevNode.value, "one");
          r = await call("PUT", K(`/cas?prevIndex=${idx + 1}&prevValue=two`), { value: "both" });
          assert.equal(r.json.action, "compareAndSwap");
          r = await call("PUT", K("/cas?prevExist=true"), { value: "upd" });
          assert.equal(r.json.action, "update");
          r = await call("PUT", K("/missing-cas?prevExist=true"), { value: "x" });
          assert.equal(r.json.errorCode, 100);
          r = await call("PUT", K("/cas?prevIndex=0"), { value: "plain" });
          assert.equal(r.json.action, "set", "prevIndex=0 is no condition");
          r = await call("PUT", K("/cas?prevValue="), { value: "x" });
          assert.equal(r.json.errorCode, 201);
          r = await call("PUT", K("/cas?prevIndex=abc"), { value: "x" });
          assert.deepEqual(r.json, { errorCode: 203, message: "The given index in POST form is not a number", cause: `invalid value for "prevIndex"`, index: 0 });
        });

        await t.step("compare-and-delete", async () => {
          let r = await call("PUT", K("/cad"), { value: "one" });
          const idx = r.json.node.modifiedIndex;
          r = await call("DELETE", K("/cad?prevValue=two"));
          assert.equal(r.status, 412);
          assert.equal(r.json.cause, "[two != one]");
          r = await call("DELETE", K(`/cad?prevIndex=${idx}`));
          assert.equal(r.json.action, "compareAndDelete");
          assert.equal(r.json.prevNode.value, "one");
          r = await call("DELETE", K("/cad?prevValue=one"));
          assert.equal(r.json.errorCode, 100);
          await call("PUT", K("/caddir"), { dir: "true" });
          r = await call("DELETE", K("/caddir?prevValue=x"));
          assert.equal(r.json.errorCode, 102);
          assert.equal(r.status, 403);
        });

        await t.step("directories: create, list, recursive, sorted, delete (README: Creating/Listing/Deleting)", async () => {
          let r = await call("PUT", K("/ls/dir"), { dir: "true" });
          assert.equal(r.status, 201);
          assert.deepEqual(Object.keys(r.json.node), ["key", "dir", "modifiedIndex", "createdIndex"]);
          r = await call("PUT", K("/ls/dir"), { dir: "true" });
          assert.equal(r.json.errorCode, 102, "dir over an existing dir");
          await call("PUT", K("/ls/foo_dir/foo"), { value: "bar" });
          await call("PUT", K("/ls/b"), { value: "b" });
          await call("PUT", K("/ls/a"), { value: "a" });
          r = await call("GET", K("/ls?sorted=true"));
          assert.deepEqual(r.json.node.nodes.map((n: { key: string }) => n.key), ["/ls/a", "/ls/b", "/ls/dir", "/ls/foo_dir"]);
          assert.equal(r.json.node.nodes[3].nodes, undefined, "not recursive");
          r = await call("GET", K("/ls?recursive=true&sorted=true"));
          assert.deepEqual(r.json.node.nodes[3].nodes, [{
            key: "/ls/foo_dir/foo",
            value: "bar",
            modifiedIndex: r.json.node.nodes[3].nodes[0].modifiedIndex,
            createdIndex: r.json.node.nodes[3].nodes[0].createdIndex,
          }]);
          r = await call("GET", K("/ls/dir"));
          assert.equal(r.json.node.nodes, undefined, "empty dir lists no nodes field");
          r = await call("DELETE", K("/ls/foo_dir"));
          assert.equal(r.json.errorCode, 102);
          r = await call("DELETE", K("/ls/foo_dir?dir=true"));
          assert.equal(r.json.errorCode, 108);
          assert.equal(r.status, 403);
          r = await call("DELETE", K("/ls/dir?dir=true"));
          assert.equal(r.json.action, "delete");
          assert.equal(r.json.node.dir, true);
          r = await call("DELETE", K("/ls/foo_dir?recursive=true"));
          assert.equal(r.json.action, "delete");
          r = await call("DELETE", K("/ls/a?dir=true"));
          assert.equal(r.json.action, "delete", "dir=true deletes plain keys too");
          r = await call("PUT", K("/ls/b/c"), { value: "x" });
          assert.equal(r.json.errorCode, 104);
          assert.equal(r.json.cause, "/ls/b");
          r = await call("PUT", K("/ls/b"), { dir: "true" });
          assert.equal(r.json.node.dir, true, "dir=true over a file replaces it");
          r = await call("GET", K("/ls/nothere/deeper"));
          assert.equal(r.json.cause, "/ls/nothere", "cause is the first missing component");
        });

        await t.step("hidden nodes are left out of listings but readable (README: Creating a hidden node)", async () => {
          await call("PUT", K("/hid/_message"), { value: "Hello hidden world" });
          await call("PUT", K("/hid/message"), { value: "Hello world" });
          let r = await call("GET", K("/hid"));
          assert.deepEqual(r.json.node.nodes.map((n: { key: string }) => n.key), ["/hid/message"]);
          r = await call("GET", K("/hid/_message"));
          assert.equal(r.json.node.value, "Hello hidden world");
          r = await call("GET", K("/"));
          assert.equal(r.json.node.key, undefined, "root listing has no key");
          assert.ok(!r.json.node.nodes.some((n: { key: string }) => n.key.startsWith("/_")));
        });

        await t.step("request forms: body wins over query, etcdctl-style query options, HEAD, 405", async () => {
          let r = await call("PUT", K("/form?value=fromquery"), { value: "frombody" });
          assert.equal(r.json.node.value, "frombody");
          r = await call("PUT", K("/form2?value=fromquery"));
          assert.equal(r.json.node.value, "fromquery");
          r = await call("PUT", K("/form2?prevExist=true"), { value: "v", ttl: "50" });
          assert.equal(r.json.action, "update");
          r = await call("PUT", K("/form3?unknownParam=1"), { value: "x", other: "y" });
          assert.equal(r.status, 201, "unknown parameters are ignored");
          r = await call("HEAD", K("/form"));
          assert.equal(r.status, 200);
          assert.equal(r.text, "");
          assert.ok(r.headers.get("x-etcd-index"));
          r = await call("HEAD", K("/form-missing"));
          assert.equal(r.status, 404);
          r = await call("PATCH", K("/form"), { value: "x" });
          assert.equal(r.status, 405);
          assert.equal(r.headers.get("allow"), "HEAD,GET,PUT,POST,DELETE");
          r = await call("PUT", K("/form4?wait=true"), { value: "x" });
          assert.deepEqual(r.json, { errorCode: 209, message: "Invalid field", cause: `"wait" can only be used with GET requests`, index: 0 });
          r = await call("GET", K("/form?recursive=maybe"));
          assert.equal(r.json.errorCode, 209);
          r = await call("PUT", K("/a%2Fb%2Fc"), { value: "slashes" });
          assert.equal(r.json.node.key, "/a/b/c", "%2F is a path separator");
          r = await call("PUT", K("/form5?noValueOnSuccess=true"), { value: "x" });
          assert.deepEqual(r.json, { action: "set" });
        });

        await t.step("bad input gets a 4xx etcd error and loses nothing", async () => {
          await call("PUT", K("/safe"), { value: "kept" });
          let r = await call("PUT", K("/bad1"), "value=%zz");
          assert.equal(r.status, 400);
          assert.equal(r.json.errorCode, 210);
          r = await call("GET", K("/bad%zzkey"));
          assert.equal(r.status, 400);
          assert.equal(r.json.errorCode, 210);
          r = await call("GET", K("//double"));
          assert.equal(r.status, 301);
          assert.equal(r.headers.get("location"), "/v2/keys/double");
          r = await call("PUT", K("/" + "k".repeat(20_000)), { value: "x" });
          assert.equal(r.status, 400);
          assert.equal(r.json.errorCode, 209);
          r = await call("PUT", K("/huge"), { value: "v".repeat(1_200_000) });
          assert.equal(r.status, 413);
          assert.equal(r.json.errorCode, 210);
          r = await call("PUT", K("/_etcd/machines/evil"), { value: "x" });
          assert.equal(r.status, 400);
          assert.equal(r.json.errorCode, 106);
          r = await call("DELETE", K("/"));
          assert.equal(r.json.errorCode, 107);
          r = await call("PUT", K("/"), { value: "x" });
          assert.equal(r.json.errorCode, 107);
          r = await call("GET", K("/safe"));
          assert.equal(r.json.node.value, "kept");
        });

        await t.step("cluster endpoints: version, health, stats, machines, leader, members", async () => {
          let r = await call("GET", `${srv.clientUrl}/version`);
          assert.ok(r.json.etcdserver && r.json.etcdcluster && r.json["etcd-ts"]);
          r = await call("GET", `${srv.clientUrl}/health`);
          assert.deepEqual(r.json, { health: "true" });
          r = await call("GET", `${srv.clientUrl}/v2/machines`);
          assert.equal(r.text, srv.clientUrl);
          r = await call("GET", `${srv.clientUrl}/v2/leader`);
          assert.equal(r.text, srv.peerUrl);
          r = await call("GET", `${srv.clientUrl}/v2/members`);
          assert.equal(r.json.members.length, 1);
          const m = r.json.members[0];
          assert.deepEqual(m, { id: m.id, name: "test", peerURLs: [srv.peerUrl], clientURLs: [srv.clientUrl] });
          assert.match(m.id, /^[0-9a-f]{1,16}$/);
          r = await call("GET", `${srv.clientUrl}/v2/members/leader`);
          assert.equal(r.json.id, m.id);
          r = await call("GET", `${srv.clientUrl}/v2/stats/self`);
          assert.equal(r.json.state, "StateLeader");
          assert.equal(r.json.id, m.id);
          assert.equal(r.json.leaderInfo.leader, m.id);
          r = await call("GET", `${srv.clientUrl}/v2/stats/store`);
          assert.ok(r.json.setsSuccess > 0);
          assert.ok(r.json.getsFail > 0);
          assert.equal(typeof r.json.watchers, "number");
          r = await call("GET", `${srv.clientUrl}/metrics`);
          assert.equal(r.status, 200);
          assert.match(r.text, /^etcd_server_has_leader 1$/m);
          assert.match(r.text, /^etcd_server_is_leader 1$/m);
          assert.match(r.text, /^etcd_server_leader_changes_seen_total 1$/m);
          assert.match(r.text, /^etcd_http_requests_total\{code="201",method="PUT"\} [1-9]\d*$/m);
          assert.match(r.text, /^etcd_disk_wal_fsync_duration_seconds_count [1-9]\d*$/m);
          assert.match(r.text, /^etcd_server_proposals_committed_total [1-9]\d*$/m);
          assert.match(r.text, /^# TYPE etcd_server_apply_duration_seconds histogram$/m);
          r = await call("GET", K("/_etcd/machines"));
          assert.deepEqual(r.json.node.nodes.map((n: { key: string; value: string }) => [n.key, n.value]), [
            ["/_etcd/machines/test", `raft=${srv.peerUrl}&etcd=${srv.clientUrl}`],
          ]);
        });

        await t.step("data survives a clean restart and the index carries on", async () => {
          const before = await call("GET", K("/safe"));
          await srv.restart();
          const after = await call("GET", K("/safe"));
          assert.deepEqual(after.json, before.json);
          assert.equal(etcdIndex(after), etcdIndex(before));
          const r = await call("PUT", K("/afterrestart"), { value: "x" });
          assert.equal(r.json.node.modifiedIndex, etcdIndex(before) + 1);
        });
      } finally {
        await srv.stop();
      }
    },
  });
}
