// Snapshots are written piece by piece (writeStoreJson into a Utf8Builder),
// not as JSON.stringify of a packed tree; the text must be the same, byte for
// byte, so old and new snapshots read alike.

import assert from "node:assert/strict";
import { Utf8Builder } from "../../server/storage/mod.ts";
import { loadStore, saveStore, writeStoreJson } from "../../server/store/snapshot.ts";
import { Store } from "../../server/store/store.ts";

function variedStore(): Store {
  const s = new Store(() => 1_000_000);
  s.set("/plain", false, "value");
  s.set("/quotes", false, 'say "hi"\\ and \n\t\u0001 control');
  s.set("/unicode/ñ€", false, "漢字 \u{1F511} é");
  s.set("/lone", false, "half a pair: \ud800");
  s.set("/dir/a/b/c", false, "deep");
  s.set("/dir/empty", true, "");
  s.set("/_hidden", false, "h");
  s.set("/ttl", false, "expires", { expireAt: 1_000_000 + 60_000 });
  s.create("/queue", false, "first", true);
  s.update("/plain", "changed");
  s.delete("/dir/a/b/c", false, false);
  s.compareAndSwap("/quotes", 'say "hi"\\ and \n\t\u0001 control', 0, "swapped");
  return s;
}

Deno.test("writeStoreJson writes exactly JSON.stringify(saveStore(store))", () => {
  for (const store of [new Store(() => 0), variedStore()]) {
    const pieces: string[] = [];
    writeStoreJson(store, { write: (t) => pieces.push(t) });
    assert.equal(pieces.join(""), JSON.stringify(saveStore(store)));
  }
});

Deno.test("a store written to bytes reads back the same, across many 64 KB pieces", () => {
  const store = variedStore();
  for (let i = 0; i < 3000; i++) store.set(`/many/d${i % 7}/k${i}`, false, `€${"v".repeat(40)}\u{1F511}${i}`);
  const out = new Utf8Builder();
  writeStoreJson(store, out);
  const bytes = out.bytes();
  assert.ok(bytes.length > 4 * 65536, `${bytes.length} bytes`);
  const text = new TextDecoder().decode(bytes);
  assert.equal(text, JSON.stringify(saveStore(store)));
  assert.deepEqual(saveStore(loadStore(JSON.parse(text), () => 1_000_000)), saveStore(store));
});
