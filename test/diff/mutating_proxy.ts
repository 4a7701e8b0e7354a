// An HTTP proxy in front of a real etcd that can alter its answers: a
// stand-in for a server with a known bug, to show that the harness notices.
// Status and headers are passed on as soon as they arrive (etcd flushes them
// at once for a watch), the body when it is complete.

export interface Mutation {
  status?(status: number): number;
  body?(body: string): string;
}

export interface MutatingProxy {
  url: string;
  stop(): Promise<void>;
}

export function startMutatingProxy(upstream: string, mutate: Mutation = {}): MutatingProxy {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const upstreamRes = await fetch(`${upstream}${url.pathname}${url.search}`, {
      method: req.method,
      headers: req.headers,
      body: hasBody ? await req.arrayBuffer() : undefined,
      redirect: "manual",
      // A client that gives up on a watch must not leave us waiting for it.
      signal: req.signal,
    });
    const headers = new Headers(upstreamRes.headers);
    headers.delete("content-length");
    const status = mutate.status ? mutate.status(upstreamRes.status) : upstreamRes.status;
    if (req.method === "HEAD") {
      await upstreamRes.body?.cancel();
      return new Response(null, { status, headers });
    }
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        try {
          const text = await upstreamRes.text();
          controller.enqueue(new TextEncoder().encode(mutate.body ? mutate.body(text) : text));
          controller.close();
        } catch (err) {
          controller.error(err);
        }
      },
    });
    return new Response(body, { status, headers });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    stop: async () => {
      await server.shutdown();
      await server.finished;
    },
  };
}
