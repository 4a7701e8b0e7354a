// An HTTP proxy in front of a real etcd that can alter its answers: a
// stand-in for a server with a known bug, to show that the harness notices.

export interface ProxiedResponse {
  status: number;
  headers: Headers;
  body: string;
}

export type Mutation = (res: ProxiedResponse, req: Request) => ProxiedResponse;

export interface MutatingProxy {
  url: string;
  stop(): Promise<void>;
}

export function startMutatingProxy(upstream: string, mutate: Mutation): MutatingProxy {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const upstreamRes = await fetch(`${upstream}${url.pathname}${url.search}`, {
      method: req.method,
      headers: req.headers,
      body: hasBody ? await req.arrayBuffer() : undefined,
      redirect: "manual",
    });
    const headers = new Headers(upstreamRes.headers);
    headers.delete("content-length");
    const res = mutate({ status: upstreamRes.status, headers, body: await upstreamRes.text() }, req);
    return new Response(req.method === "HEAD" ? null : res.body, { status: res.status, headers: res.headers });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    stop: async () => {
      await server.shutdown();
      await server.finished;
    },
  };
}
