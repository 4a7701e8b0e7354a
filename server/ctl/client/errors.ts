// The errors of etcd's Go v2 client, with the texts etcdctl prints for
// them, and the request context (Go's context.Context: a deadline or a
// cancellation that ends every request made under it).

/** An etcd keys API error body: `100: Key not found (/x) [4]`. */
export class EtcdError extends Error {
  constructor(
    readonly errorCode: number,
    readonly etcdMessage: string,
    readonly etcdCause: string,
    readonly index: number,
  ) {
    super(`${errorCode}: ${etcdMessage} (${etcdCause}) [${index}]`);
  }
}

/** A transport failure; `connection` marks dial/read failures (exit 2 during sync). */
export class TransportError extends Error {
  constructor(message: string, readonly connection: boolean) {
    super(message);
  }
}

/** The context ended: "context deadline exceeded" or "context canceled". */
export class ContextError extends Error {
  constructor(readonly timeout: boolean) {
    super(timeout ? "context deadline exceeded" : "context canceled");
  }
}

/** Every endpoint failed; one error per attempt. */
export class ClusterError extends Error {
  constructor(readonly errors: Error[]) {
    super(
      "client: etcd cluster is unavailable or misconfigured" +
        errors.map((e, i) => `; error #${i}: ${e.message}\n`).join(""),
    );
  }

  /** The per-endpoint lines etcdctl prints after the error. */
  detail(): string {
    return this.errors.map((e, i) => `error #${i}: ${e.message}\n`).join("");
  }
}

/** The error a members API call ends with when etcd answers {"message": …}. */
export class MembersError extends Error {}

export const ERR_NO_ENDPOINTS = "client: no endpoints available";
export const ERR_INVALID_JSON = "client: response is invalid json. The endpoint is probably not valid etcd cluster endpoint";
export const ERR_EMPTY_BODY = "client: response body is empty";

/** Whether etcdctl would treat this as a bad connection (exit 2 when syncing). */
export function isConnectionError(err: unknown): boolean {
  if (err instanceof ClusterError) return err.errors.every(isConnectionError);
  if (err instanceof TransportError) return err.connection;
  if (err instanceof ContextError) return err.timeout;
  return false;
}

/** A request context: aborted on deadline or cancel, with the matching error. */
export interface Ctx {
  signal: AbortSignal;
  error(): ContextError;
}

/** A context that ends only when `parent` does (Go's context.TODO, cancellable by Ctrl-C). */
export function background(parent?: AbortSignal): Ctx {
  const signal = parent ?? new AbortController().signal;
  return { signal, error: () => new ContextError(false) };
}

/** A child context that also ends after `ms` milliseconds; call `cancel` when done. */
export function withTimeout(parent: Ctx, ms: number): { ctx: Ctx; cancel: () => void } {
  const ac = new AbortController();
  let timedOut = false;
  const onParent = () => ac.abort();
  if (parent.signal.aborted) ac.abort();
  else parent.signal.addEventListener("abort", onParent);
  const expire = () => {
    timedOut = true;
    ac.abort();
  };
  // Like a Go context whose deadline has passed already: done before any
  // request starts (a timer would let a fast loopback answer win the race).
  if (ms < 1 && !ac.signal.aborted) expire();
  const timer = setTimeout(expire, Math.max(0, ms));
  return {
    ctx: { signal: ac.signal, error: () => (timedOut ? new ContextError(true) : parent.error()) },
    cancel: () => {
      clearTimeout(timer);
      parent.signal.removeEventListener("abort", onParent);
    },
  };
}
