// A fault-injecting TCP proxy for peer traffic. Each member advertises the
// proxy's address for it as its peer URL but listens on its own; peers send
// raft messages by POSTing to the receiver, so a connection belongs to one
// link (sender -> receiver), the sender named by the x-server-from header of
// its first request. Per link the proxy can cut (close connections, refuse
// new ones), drop (swallow bytes silently) or delay traffic.

import net from "node:net";

export interface LinkRule {
  cut?: boolean;
  drop?: boolean;
  delayMs?: number;
}

export interface Target {
  name: string;
  listenHost: string;
  listenPort: number;
  upstreamHost: string;
  upstreamPort: number;
}

interface Conn {
  from: string | null;
  to: string;
  client: net.Socket;
  upstream: net.Socket;
  /** Bytes were dropped: its HTTP framing is broken, close it on heal. */
  tainted: boolean;
}

export class PeerProxy {
  private rules = new Map<string, LinkRule>();
  private conns = new Set<Conn>();
  private servers: net.Server[] = [];
  /** Member id (hex, as in x-server-from) -> name. */
  private names = new Map<string, string>();
  /** What the rules did, per link ("r0>r1 cut"), for reports. */
  readonly effects: Record<string, number> = {};

  constructor(private readonly targets: Target[]) {}

  async start(): Promise<void> {
    for (const t of this.targets) {
      const server = net.createServer({ allowHalfOpen: true }, (socket) => this.accept(t, socket));
      await new Promise<void>((res, rej) => {
        server.once("error", rej);
        server.listen(t.listenPort, t.listenHost, () => res());
      });
      this.servers.push(server);
    }
  }

  /** Teaches the proxy who is who, from the cluster's member list. */
  learn(members: { id: string; name: string }[]): void {
    for (const m of members) this.names.set(m.id, m.name);
  }

  set(from: string, to: string, rule: LinkRule): void {
    this.rules.set(`${from}>${to}`, rule);
    // Start the link afresh so the rule applies from the next byte.
    for (const c of this.conns) if (c.from === from && c.to === to) this.close(c);
  }

  healAll(): void {
    this.rules.clear();
    for (const c of this.conns) if (c.tainted) this.close(c);
  }

  async stop(): Promise<void> {
    for (const c of this.conns) this.close(c);
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
  }

  private rule(c: Conn): LinkRule {
    if (c.from === null) {
      // An unidentified sender: held back only if the receiver is cut off from everyone.
      const into = [...this.rules.entries()].filter(([k]) => k.endsWith(`>${c.to}`));
      return into.length > 0 && into.length >= this.names.size - 1 && into.every(([, r]) => r.cut) ? { cut: true } : {};
    }
    return this.rules.get(`${c.from}>${c.to}`) ?? {};
  }

  private accept(t: Target, client: net.Socket): void {
    const upstream = net.connect({ port: t.upstreamPort, host: t.upstreamHost, allowHalfOpen: true });
    const c: Conn = { from: null, to: t.name, client, upstream, tainted: false };
    this.conns.add(c);
    let head = "";
    let identified = false;
    // Each direction keeps its order, even when delayed.
    let up = Promise.resolve();
    let down = Promise.resolve();
    const forward = (chain: Promise<void>, dst: net.Socket, data: Uint8Array): Promise<void> => {
      const r = this.rule(c);
      const what = r.cut ? "cut" : r.drop ? "dropped" : r.delayMs ? "delayed" : "";
      if (what) this.effects[`${c.from ?? "?"}>${c.to} ${what}`] = (this.effects[`${c.from ?? "?"}>${c.to} ${what}`] ?? 0) + 1;
      if (r.cut) {
        this.close(c);
        return chain;
      }
      if (r.drop) {
        c.tainted = true;
        return chain;
      }
      const delay = r.delayMs ?? 0;
      return chain.then(() => (delay > 0 ? new Promise((res) => setTimeout(res, delay)) : undefined)).then(() => {
        if (!dst.destroyed) dst.write(data);
      });
    };
    client.on("data", (data: Uint8Array) => {
      if (!identified) {
        head += new TextDecoder().decode(data);
        const m = /\r\nx-server-from:\s*([0-9a-f]+)/i.exec(head);
        if (m) c.from = this.names.get(m[1].toLowerCase()) ?? null;
        if (m || head.includes("\r\n\r\n") || head.length > 8192) identified = true;
      }
      up = forward(up, upstream, data);
    });
    upstream.on("data", (data: Uint8Array) => {
      down = forward(down, client, data);
    });
    // An end is passed on after the bytes before it (which may be delayed).
    client.on("end", () => (up = up.then(() => void upstream.end())));
    upstream.on("end", () => (down = down.then(() => void client.end())));
    const closed = () => void Promise.all([up, down]).then(() => this.close(c));
    const failed = () => this.close(c);
    client.on("error", failed).on("close", closed);
    upstream.on("error", failed).on("close", closed);
  }

  private close(c: Conn): void {
    this.conns.delete(c);
    c.client.destroy();
    c.upstream.destroy();
  }
}

/** Proxy targets for members on `${ipBase}.${i + 1}`: the proxy listens on :2390, the member on :2380. */
export function proxyTargets(ipBase: string, names: string[]): Target[] {
  return names.map((name, i) => ({ name, listenHost: `${ipBase}.${i + 1}`, listenPort: 2390, upstreamHost: `${ipBase}.${i + 1}`, upstreamPort: 2380 }));
}
