// node-etcd (npm) against one etcd endpoint: the calls its README shows,
// with what the client reports, as JSON lines; indexes relative to the first
// write so two servers compare. Usage: node node_etcd_scenario.cjs URL PREFIX
"use strict";
const Etcd = require("node-etcd");
const [url, prefix, extra] = process.argv.slice(2);
const etcd = new Etcd([url.replace(/^http:\/\//, "")]);
let base = null;
const out = [];
const rel = (i) => (i === undefined || base === null ? null : i - base);
const relKey = (k) => (k && /\d{20}$/.test(k) ? k.slice(0, -20) + "#" + rel(Number(k.slice(-20))) : k);
const show = (step, err, res) => {
  if (err) return out.push({ step, errorCode: err.errorCode ?? null, error: err.message });
  const n = res && res.node;
  out.push({
    step, action: res && res.action, key: n && relKey(n.key), value: n && n.value, dir: !!(n && n.dir), ttl: !!(n && n.ttl),
    modifiedIndex: n && rel(n.modifiedIndex), createdIndex: n && rel(n.createdIndex),
    prev: res && res.prevNode ? res.prevNode.value ?? null : undefined,
  });
};
const call = (step, fn) => new Promise((resolve) => fn((err, res) => { show(step, err, res); resolve(res); }));

(async () => {
  const first = await call("set", (cb) => etcd.set(prefix + "/a", "1", cb));
  base = first.node.modifiedIndex;
  out[0].modifiedIndex = out[0].createdIndex = 0;
  await call("get", (cb) => etcd.get(prefix + "/a", cb));
  await call("set again", (cb) => etcd.set(prefix + "/a", "2", cb));
  await call("compareAndSwap", (cb) => etcd.compareAndSwap(prefix + "/a", "3", "2", cb));
  await call("compareAndSwap wrong", (cb) => etcd.compareAndSwap(prefix + "/a", "4", "nope", cb));
  await call("create (in-order)", (cb) => etcd.create(prefix + "/q", "job", cb));
  await call("mkdir", (cb) => etcd.mkdir(prefix + "/d", cb));
  await call("set in dir", (cb) => etcd.set(prefix + "/d/x", "x", cb));
  await call("get recursive", (cb) => etcd.get(prefix + "/d", { recursive: true }, cb));
  await call("rmdir not empty", (cb) => etcd.rmdir(prefix + "/d", cb));
  await call("rmdir recursive", (cb) => etcd.rmdir(prefix + "/d", { recursive: true }, cb));
  await call("ttl", (cb) => etcd.set(prefix + "/t", "v", { ttl: 100 }, cb));
  await call("get missing", (cb) => etcd.get(prefix + "/missing", cb));
  await call("compareAndDelete wrong", (cb) => etcd.compareAndDelete(prefix + "/a", "nope", cb));
  await call("compareAndDelete", (cb) => etcd.compareAndDelete(prefix + "/a", "3", cb));
  await call("del", (cb) => etcd.del(prefix + "/t", cb));
  // watch: a live long poll woken by a write.
  const watched = call("watch", (cb) => etcd.watch(prefix + "/w", cb));
  setTimeout(() => etcd.set(prefix + "/w", "1", () => {}), 300);
  await watched;
  // watcher: an EventEmitter that keeps watching, with an index.
  await new Promise((resolve) => {
    const w = etcd.watcher(prefix + "/wr", null, { recursive: true });
    const seen = [];
    w.on("change", (res) => {
      seen.push(res.node.value);
      if (seen.length === 2) {
        w.stop();
        out.push({ step: "watcher", values: seen });
        resolve();
      }
    });
    setTimeout(() => etcd.set(prefix + "/wr/a", "1", () => etcd.set(prefix + "/wr/b", "2", () => {})), 300);
  });
  // The synchronous API (deasync).
  const s = etcd.getSync(prefix + "/w");
  out.push({ step: "getSync", value: s.body.node.value, err: s.err ? s.err.errorCode : null });
  if (extra === "0.2") {
    // etcd 0.2 endpoints, which real etcd 3.4 no longer has.
    await call("machines", (cb) => etcd.machines((err, res) => cb(err, { action: "machines", node: { key: String(res?.node?.nodes?.length) } })));
    await call("leader", (cb) => etcd.leader((err, res) => cb(err, { action: "leader", node: { key: String(/^http/.test(res || "")) } })));
  }
  for (const o of out) console.log(JSON.stringify(o));
  process.exit(0); // node-etcd keeps sockets (and its watcher timers) alive
})();
