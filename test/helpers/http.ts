// Tiny HTTP client for tests: curl-like calls that return status, headers and parsed JSON.

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // deno-lint-ignore no-explicit-any
  json: any;
}

export async function call(
  method: string,
  url: string,
  form?: Record<string, string> | string,
  opts: { timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const init: RequestInit = { method, redirect: "manual", signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) };
  const headers: Record<string, string> = { ...opts.headers };
  if (form !== undefined) {
    init.body = typeof form === "string" ? form : new URLSearchParams(form).toString();
    headers["Content-Type"] ??= "application/x-www-form-urlencoded";
  }
  init.headers = headers;
  const r = await fetch(url, init);
  const text = await r.text();
  let json = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch { /* not JSON */ }
  return { status: r.status, headers: r.headers, text, json };
}

/** The X-Etcd-Index of a reply as a number. */
export function etcdIndex(r: Reply): number {
  return Number(r.headers.get("x-etcd-index"));
}
