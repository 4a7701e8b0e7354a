// Sends raft messages to peers: over one long-lived stream per peer
// (peer_stream.ts), one write per batch. Snapshots, and peers that have no
// stream endpoint, go by POST: one queue per peer, everything queued while
// a request is in flight goes in the next POST (batching), a few requests
// in flight per peer (pipelining). Failures are reported to raft, which
// retransmits. Round-trip latency comes from heartbeats and their answers.

import type { Message } from "../raft/mod.ts";
import type { Logger } from "../log.ts";
import { metrics } from "../metrics.ts";
import { FollowerStats } from "./follower_stats.ts";
import { peerClientTls, peerFetch } from "../runtime/tls.ts";
import { PeerStream } from "./peer_stream.ts";

export const RAFT_PATH = "/raft";
export const SNAPSHOT_PATH = "/raft/snapshot";
/** Snapshot data goes in pieces of this many characters, one POST each. */
export const SNAPSHOT_CHUNK = 1024 * 1024;
const MAX_IN_FLIGHT = 4;
const MAX_BATCH = 512;
const TIMEOUT_MS = 5000;
/** A broken stream is reopened at most this often; messages meanwhile are dropped (raft retries). */
const REOPEN_MS = 100;
/** After a stream breaks, reconnects tried (PROBE_DELAY_MS, then twice that, ...) to see if the peer is down. */
const MAX_PROBES = 5;
const PROBE_DELAY_MS = 20;
/** Written but not taken by the peer: past this the peer is stalled, and the stream is dropped. */
const MAX_BACKLOG = 64 * 1024 * 1024;

export interface TransportHooks {
  /** The peer URL to reach a member at, or undefined if unknown. */
  peerUrl(id: string): string | undefined;
  clusterId(): string;
  unreachable(id: string): void;
  /** The peer refuses connections: its process is down (not just slow or cut off). */
  gone(id: string): void;
  snapshotStatus(id: string, ok: boolean): void;
  /** The remote said we were removed from the cluster. */
  removed(): void;
}

class PeerQueue {
  queue: Message[] = [];
  inFlight = 0;
  active = true;
  lastFailureLog = 0;
  readonly stats = new FollowerStats();
  stream: PeerStream | undefined;
  streamOpenedAt = 0;
  /** The peer has no stream endpoint: POST everything. */
  postOnly = false;
  /** When the oldest unanswered heartbeat went out. */
  heartbeatAt = 0;
  /** Reconnects tried since the stream broke, to tell a dead peer (refused) from a blip. */
  probes = 0;
}

export class Transport {
  private peers = new Map<string, PeerQueue>();
  private closed = false;

  constructor(private readonly selfId: string, private readonly hooks: TransportHooks, private readonly logger: Logger) {}

  send(msgs: Message[]): void {
    if (this.closed) return;
    const byPeer = new Map<string, Message[]>();
    for (const m of msgs) {
      const batch = byPeer.get(m.to);
      if (batch) batch.push(m);
      else byPeer.set(m.to, [m]);
    }
    for (const [id, batch] of byPeer) {
      let p = this.peers.get(id);
      if (!p) this.peers.set(id, (p = new PeerQueue()));
      const snaps = batch.filter((m) => m.type === "snap");
      const rest = snaps.length > 0 ? batch.filter((m) => m.type !== "snap") : batch;
      if (rest.length > 0 && !p.postOnly) {
        if (!p.heartbeatAt && rest.some((m) => m.type === "heartbeat")) p.heartbeatAt = performance.now();
        this.stream(id, p, rest);
      } else {
        p.queue.push(...rest);
      }
      p.queue.push(...snaps);
      if (p.queue.length > 0) this.pump(id, p);
    }
  }

  /** Raft messages that arrived from peers: answered heartbeats give the round-trip time. */
  received(m: Message): void {
    const p = this.peers.get(m.from);
    // The peer is alive: a later break of its stream may be probed again.
    if (p) p.probes = 0;
    if (m.type !== "heartbeatResp") return;
    if (!p?.heartbeatAt) return;
    const rtt = performance.now() - p.heartbeatAt;
    p.heartbeatAt = 0;
    p.stats.succeed(rtt);
    metrics.peerRtt.observe(rtt / 1000, { To: m.from });
  }

  /** Writes a batch to the peer's stream, (re)opening it as needed. */
  private stream(id: string, p: PeerQueue, batch: Message[]): void {
    const url = this.hooks.peerUrl(id);
    if (!url) return this.fail(id, p, [], new Error("no peer URL known"));
    let s = p.stream;
    if (s && (s.opts.url !== url || s.backlog > MAX_BACKLOG)) {
      if (s.backlog > MAX_BACKLOG) this.fail(id, p, [], new Error("peer is not reading its stream"));
      s.close();
      s = p.stream = undefined;
    }
    if (!s?.usable) {
      const now = performance.now();
      if (now - p.streamOpenedAt < REOPEN_MS) return this.hooks.unreachable(id);
      p.streamOpenedAt = now;
      s = p.stream = this.openStream(id, p, url);
    }
    s.send(batch);
  }

  private openStream(id: string, p: PeerQueue, url: string): PeerStream {
    const s: PeerStream = new PeerStream(
      { url, clusterId: this.hooks.clusterId(), from: this.selfId, tls: peerClientTls() },
      {
        onOpen: () => {
          if (p.stream !== s) return;
          p.heartbeatAt = 0;
          this.reachable(id, p, url);
        },
        onClose: (status, reason, how) => {
          if (p.stream !== s || this.closed) return;
          if (status === 410) return this.hooks.removed();
          if (how.refused) this.hooks.gone(id);
          else if (status === null && (how.wasOpen || p.probes > 0) && p.probes < MAX_PROBES) {
            // The stream broke: find out soon whether the peer is down
            // (refused) or still there, rather than at the next send, which
            // for a follower's stream to a dead leader never comes. A dying
            // process's listener may still accept (then reset) for a moment,
            // so try a few times, a little later each time.
            p.probes++;
            const timer = setTimeout(() => {
              if (p.stream !== s || this.closed) return;
              p.streamOpenedAt = performance.now();
              p.stream = this.openStream(id, p, url);
            }, PROBE_DELAY_MS * p.probes);
            timer.unref?.();
          }
          if (status === 404 || status === 405) {
            p.postOnly = true;
            this.logger.info(`peer ${id} has no raft stream endpoint; sending it POSTs`);
            return;
          }
          const why = status === 412
            ? `request sent was ignored by remote peer due to cluster ID mismatch (local cluster ${this.hooks.clusterId()})`
            : status
            ? `peer ended the stream with ${status}`
            : reason;
          this.fail(id, p, [], new Error(why));
        },
      },
    );
    s.open();
    return s;
  }

  /** Per-peer reachability and latency, for /v2/stats/leader and the dashboard. */
  stats(): Map<string, FollowerStats> {
    const out = new Map<string, FollowerStats>();
    for (const [id, p] of this.peers) out.set(id, p.stats);
    return out;
  }

  /** False once sending to the peer failed, until a send succeeds again; true for peers not yet tried. */
  isActive(id: string): boolean {
    return this.peers.get(id)?.active ?? true;
  }

  close(): void {
    this.closed = true;
    for (const p of this.peers.values()) p.stream?.close();
  }

  private pump(id: string, p: PeerQueue): void {
    while (p.queue.length > 0 && p.inFlight < MAX_IN_FLIGHT) {
      const batch = p.queue.splice(0, MAX_BATCH);
      p.inFlight++;
      void this.post(id, p, batch).finally(() => {
        p.inFlight--;
        if (p.queue.length > 0 && !this.closed) this.pump(id, p);
      });
    }
  }

  private async post(id: string, p: PeerQueue, batch: Message[]): Promise<void> {
    const url = this.hooks.peerUrl(id);
    const snaps = batch.filter((m) => m.type === "snap");
    if (url && snaps.length > 0) {
      // Snapshots travel on their own, in chunks; the rest of the batch as usual.
      for (const m of snaps) await this.sendSnapshot(id, p, url, m);
      batch = batch.filter((m) => m.type !== "snap");
      if (batch.length === 0) return;
      return await this.post(id, p, batch);
    }
    if (!url) {
      this.fail(id, p, snaps, new Error("no peer URL known"));
      return;
    }
    const started = performance.now();
    try {
      const res = await peerFetch(url + RAFT_PATH, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-Etcd-Cluster-Id": this.hooks.clusterId(),
          "X-Server-From": this.selfId,
        },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(snaps.length > 0 ? TIMEOUT_MS * 6 : TIMEOUT_MS),
      });
      const text = await res.text();
      if (res.status === 410) {
        this.hooks.removed();
        return;
      }
      if (res.status === 412) throw new Error(`request sent was ignored by remote peer due to cluster ID mismatch (local cluster ${this.hooks.clusterId()})`);
      if (!res.ok) throw new Error(`${res.status} ${text.trim()}`);
      const rtt = performance.now() - started;
      p.stats.succeed(rtt);
      metrics.peerRtt.observe(rtt / 1000, { To: id });
      this.reachable(id, p, url);
      for (const _ of snaps) this.hooks.snapshotStatus(id, true);
    } catch (err) {
      this.fail(id, p, snaps, err as Error);
    }
  }

  /** Sends one snapshot message as a series of chunk POSTs; the peer steps it once all have arrived. */
  private async sendSnapshot(id: string, p: PeerQueue, url: string, m: Message): Promise<void> {
    const data = m.snapshot!.data;
    const head: Message = { ...m, snapshot: { metadata: m.snapshot!.metadata, data: "" } };
    const transfer = `${this.selfId}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
    const started = performance.now();
    try {
      let offset = 0;
      do {
        const chunk = data.slice(offset, offset + SNAPSHOT_CHUNK);
        const q = `?id=${transfer}&offset=${offset}&total=${data.length}`;
        const headers: Record<string, string> = {
          "Content-Type": "text/plain; charset=utf-8",
          "X-Etcd-Cluster-Id": this.hooks.clusterId(),
          "X-Server-From": this.selfId,
        };
        if (offset === 0) headers["X-Raft-Message"] = encodeURIComponent(JSON.stringify(head));
        const res = await peerFetch(url + SNAPSHOT_PATH + q, {
          method: "POST",
          headers,
          body: chunk,
          signal: AbortSignal.timeout(TIMEOUT_MS * 2),
        });
        const text = await res.text();
        if (res.status === 410) return this.hooks.removed();
        if (!res.ok) throw new Error(`snapshot chunk at ${offset}: ${res.status} ${text.trim()}`);
        offset += chunk.length;
      } while (offset < data.length);
      p.stats.succeed(performance.now() - started);
      this.logger.info(`sent snapshot at index ${m.snapshot!.metadata.index} (${data.length} bytes) to ${id}`);
      this.hooks.snapshotStatus(id, true);
    } catch (err) {
      this.fail(id, p, [m], err as Error);
    }
  }

  private reachable(id: string, p: PeerQueue, url: string): void {
    if (p.active) return;
    p.active = true;
    this.logger.info(`peer ${id} is reachable again at ${url}`);
  }

  private fail(id: string, p: PeerQueue, snaps: Message[], err: Error): void {
    p.stats.fail();
    this.hooks.unreachable(id);
    for (const _ of snaps) this.hooks.snapshotStatus(id, false);
    const now = Date.now();
    if (p.active || now - p.lastFailureLog > 30_000) {
      p.lastFailureLog = now;
      this.logger.warn(`peer ${id} is unreachable: ${err.message}`);
    }
    p.active = false;
  }
}
