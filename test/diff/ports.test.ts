// Tests of test/helpers/ports.ts (kept here, with the rest of the harness).
import assert from "node:assert/strict";
import net from "node:net";
import { freePort, StopWaiting, waitFor } from "../helpers/ports.ts";

Deno.test("freePort: gives a port that can be bound", async () => {
  const port = await freePort();
  assert.ok(port > 0 && port < 65536);
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

Deno.test("waitFor: returns the first truthy value, retrying through errors", async () => {
  let calls = 0;
  const value = await waitFor(() => {
    calls++;
    if (calls === 1) throw new Error("not listening yet");
    return calls >= 3 ? "ready" : false;
  }, { timeoutMs: 2000, intervalMs: 1, what: "three calls" });
  assert.equal(value, "ready");
  assert.equal(calls, 3);
});

Deno.test("waitFor: times out with what it waited for and the last error", async () => {
  await assert.rejects(
    waitFor(() => {
      throw new Error("connection refused");
    }, { timeoutMs: 50, intervalMs: 10, what: "the moon" }),
    /timed out after 50 ms waiting for the moon \(last error: connection refused\)/,
  );
});

Deno.test("waitFor: StopWaiting ends the wait at once", async () => {
  const started = Date.now();
  await assert.rejects(
    waitFor(() => {
      throw new StopWaiting("process exited with 1");
    }, { timeoutMs: 5000, what: "a dead process" }),
    /process exited with 1/,
  );
  assert.ok(Date.now() - started < 1000);
});
