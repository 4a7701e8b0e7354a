// Small helpers for tests that start processes listening on TCP ports.
import net from "node:net";

/**
 * Asks the kernel for a free TCP port by binding port 0, then releases it.
 * The port may in principle be taken by someone else before the caller binds
 * it; in practice the kernel does not hand the same ephemeral port out again
 * right away, which is good enough for tests.
 */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error(`freePort: unexpected address ${String(address)}`));
        return;
      }
      const port = address.port;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

export interface WaitForOptions {
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** Pause between attempts. */
  intervalMs?: number;
  /** What we are waiting for, for the timeout message. */
  what: string;
}

/** Thrown from a waitFor callback, ends the wait at once with this error. */
export class StopWaiting extends Error {}

/**
 * Polls `fn` until it returns a value other than `false`, `undefined` or
 * `null`, and returns that value. Exceptions thrown by `fn` count as "not
 * yet" (a server that is not listening yet refuses connections); the last
 * one is quoted in the timeout error so a failing start is easy to diagnose.
 * Throw a StopWaiting (e.g. when the process has exited) to give up early.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  { timeoutMs, intervalMs = 50, what }: WaitForOptions,
): Promise<Exclude<T, false | null | undefined>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = undefined;
  for (;;) {
    try {
      const value = await fn();
      if (value !== false && value !== undefined && value !== null) {
        return value as Exclude<T, false | null | undefined>;
      }
    } catch (err) {
      if (err instanceof StopWaiting) throw err;
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const detail = lastError === undefined
        ? ""
        : ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(intervalMs, deadline - Date.now()))));
  }
}
