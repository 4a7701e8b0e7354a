// Who was answered lately decides whether the WAL syncs on the loop's thread
// (server/runtime/client_load.ts): one client alone, yes; two within the
// window, no, until the other has been quiet for the window.

import assert from "node:assert/strict";
import { noteServed, resetClientLoad, SOLE_CLIENT_WINDOW_MS as W, soleClientServed } from "../../server/runtime/client_load.ts";

Deno.test("client load: a sole client, a second one, and the second going quiet", () => {
  resetClientLoad();
  try {
    assert.equal(soleClientServed(0), false, "nobody answered yet (say, every client is on Deno's server)");
    noteServed("a", 100);
    assert.equal(soleClientServed(100.1), true);
    noteServed("a", 105);
    assert.equal(soleClientServed(1000), true, "a long-idle sole client is still the only one");
    noteServed("b", 990);
    assert.equal(soleClientServed(990.2), true, "a had been quiet: b is the sole client now");
    noteServed("a", 999.8);
    noteServed("b", 1000);
    assert.equal(soleClientServed(1000.2), false, "a was answered just before b");
    noteServed("a", 1000.5);
    assert.equal(soleClientServed(1001), false, "b was answered just before a");
    for (let t = 1001; t < 1000 + W; t++) noteServed("a", t);
    assert.equal(soleClientServed(1000 + W - 0.5), false, "b still within the window");
    assert.equal(soleClientServed(1000 + W + 0.5), true, "b quiet for the window");
    // Many clients answered in turn (64 connections under load): never sole.
    for (let i = 0; i < 640; i++) {
      noteServed(`c${i % 64}`, 2000 + i * 0.05);
      // (The first is alone: everyone before it had long been quiet.)
      if (i > 0) assert.equal(soleClientServed(2000 + i * 0.05 + 0.01), false);
    }
  } finally {
    resetClientLoad();
  }
});
