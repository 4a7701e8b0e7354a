// Whether the WAL syncs on the loop's thread (server/runtime/client_load.ts):
// one client alone, yes; a second one answered within the window, or more
// than one request in flight, no.

import assert from "node:assert/strict";
import { requestEnded, requestStarted, resetClientLoad, SOLE_CLIENT_WINDOW_MS as W, soleClient } from "../../server/runtime/client_load.ts";

/** One request by `client`, answered at `at`. */
function served(client: string, at: number): void {
  requestStarted();
  requestEnded(client, true, at);
}

Deno.test("client load: a sole client, a second one, and the second going quiet", () => {
  resetClientLoad();
  try {
    assert.equal(soleClient(0), false, "nobody answered yet (say, every client is on Deno's server)");
    served("a", 100);
    assert.equal(soleClient(100.1), true);
    served("a", 105);
    assert.equal(soleClient(1000), true, "a long-idle sole client is still the only one");
    served("b", 990);
    assert.equal(soleClient(990.2), true, "a had been quiet: b is the sole client now");
    served("a", 999.8);
    served("b", 1000);
    assert.equal(soleClient(1000.2), false, "a was answered just before b");
    served("a", 1000.5);
    assert.equal(soleClient(1001), false, "b was answered just before a");
    for (let t = 1001; t < 1000 + W; t++) served("a", t);
    assert.equal(soleClient(1000 + W - 0.5), false, "b still within the window");
    assert.equal(soleClient(1000 + W + 0.5), true, "b quiet for the window");
    // Many clients answered in turn (64 connections under load): never sole.
    // (The first is alone: everyone before it had long been quiet.)
    for (let i = 0; i < 640; i++) {
      served(`c${i % 64}`, 2000 + i * 0.05);
      if (i > 0) assert.equal(soleClient(2000 + i * 0.05 + 0.01), false);
    }
  } finally {
    resetClientLoad();
  }
});

Deno.test("client load: requests in flight and watches", () => {
  resetClientLoad();
  try {
    served("a", 100);
    // a's next request is being written: still sole.
    requestStarted();
    assert.equal(soleClient(101), true);
    // Others wait on a commit that needs other members (a follower's clients): not sole,
    // however long ago another client was answered.
    requestStarted();
    requestStarted();
    assert.equal(soleClient(500), false, "three in flight");
    requestEnded("x", true, 501);
    requestEnded("y", true, 501.1);
    requestEnded("a", true, 501.2);
    assert.equal(soleClient(501.3), false, "x, y and a answered together");
    // A watch counts while it is being set up, not while it waits; its start is no answer.
    served("a", 600);
    requestStarted();
    requestEnded("w", false, 600.5);
    requestStarted();
    assert.equal(soleClient(601), true, "a writes while w waits on a watch");
    requestEnded("a", true, 601.5);
    assert.equal(soleClient(602), true);
  } finally {
    resetClientLoad();
  }
});
