// A deadline that keeps the process alive while it runs.

/**
 * Runs a request with an abort deadline whose timer keeps the process alive.
 * AbortSignal.timeout's timer does not: on Node, a fetch whose connection is
 * closed as soon as it opens (a proxy with nothing behind it) can stay
 * pending with no handle open, and before any listener exists the process
 * would simply exit 0 mid-bootstrap.
 */
export async function withDeadline<T>(ms: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new DOMException(`no answer within ${ms} ms`, "TimeoutError")), ms);
  try {
    return await run(ctl.signal);
  } finally {
    clearTimeout(timer);
  }
}
