// Decides how a member starts: restart from its data dir, found a new
// cluster from --initial-cluster, join an existing one (--initial-cluster-state
// existing, after `member add`), or join through any live member (etcd 0.2's
// -peers). Each refusal is one clear line, as etcd words it.

import type { V2Member } from "../../shared/api.ts";
import type { Config } from "../config/types.ts";
import type { Logger } from "../log.ts";
import { decodeConfChange, encodeConfChange } from "../raft/mod.ts";
import { type Recovered, Wal, type WalEntry } from "../storage/mod.ts";
import type { SnapshotMeta } from "./raft_node.ts";
import { computeClusterId, computeMemberId } from "./ids.ts";
import { withDeadline } from "../runtime/deadline.ts";
import { peerFetch } from "../runtime/tls.ts";

/** What the WAL remembers about who this member is. */
export interface WalMetadata {
  name: string;
  memberId: string;
  clusterId: string;
  /**
   * Members known when this member was created: the founding members (whose
   * bootstrap conf changes carry no context) or the cluster we joined (so we
   * can answer its leader before the log tells us its address).
   */
  initialMembers: V2Member[];
}

export interface BootPlan {
  wal: Wal;
  recovered: Recovered | null;
  meta: WalMetadata;
  /** Founding voters, only when this member founds a new cluster. */
  bootstrapPeers?: string[];
}

export class BootstrapError extends Error {}

const PEER_TIMEOUT_MS = 1500;

export async function bootstrap(config: Config, logger: Logger): Promise<BootPlan> {
  if (await Wal.exists(config.dataDir)) {
    const { wal, recovered } = await Wal.open(config.dataDir);
    const tail = recovered.tailRepair;
    if (tail?.zeros) logger.info(`write-ahead log ends in ${tail.droppedBytes} bytes of preallocated zeros (not closed cleanly)`);
    else if (tail) logger.warn(`recovered from a torn write-ahead log tail: ${tail.problem}`);
    const meta = JSON.parse(recovered.metadata ?? "{}") as WalMetadata;
    if (meta.name && meta.name !== config.name) {
      logger.warn(`data dir ${config.dataDir} belongs to member "${meta.name}"; starting it as "${config.name}"`);
    }
    if (config.forceNewCluster) return await forceNewCluster(config, logger, wal, recovered, meta);
    return { wal, recovered, meta };
  }
  if (config.peers.length > 0) return await joinThroughPeers(config, logger);
  if (config.initialClusterState === "existing") return await joinExisting(config, logger);
  return await foundNew(config, logger);
}

function initialMembers(config: Config): V2Member[] {
  return config.initialCluster.map((m) => ({
    id: computeMemberId(m.peerUrls, config.initialClusterToken),
    name: m.name,
    peerURLs: m.peerUrls,
    clientURLs: [],
  }));
}

function self(config: Config, members: V2Member[]): V2Member {
  const me = members.find((m) => m.name === config.name);
  if (!me) {
    throw new BootstrapError(
      `couldn't find local name "${config.name}" in the initial cluster configuration (--initial-cluster)`,
    );
  }
  return me;
}

async function foundNew(config: Config, logger: Logger): Promise<BootPlan> {
  const members = initialMembers(config);
  const me = self(config, members);
  const clusterId = computeClusterId(members.map((m) => m.id));
  // A wiped member restarted with "new" must not found a second copy of a live cluster.
  for (const m of members) {
    if (m.id === me.id) continue;
    const remote = await fetchMembers(m.peerURLs).catch(() => null);
    const mine = remote?.members.find((r) => r.id === me.id);
    if (remote && mine && mine.clientURLs.length > 0) {
      throw new BootstrapError(`member ${me.id} has already been bootstrapped`);
    }
  }
  const meta: WalMetadata = { name: config.name, memberId: me.id, clusterId, initialMembers: members };
  const wal = await Wal.create(config.dataDir, JSON.stringify(meta));
  logger.info(
    `founding cluster ${clusterId} as member ${me.id} with ${members.map((m) => `${m.name}=${m.peerURLs.join("|")}`).join(", ")}`,
  );
  return { wal, recovered: null, meta, bootstrapPeers: members.map((m) => m.id) };
}

async function joinExisting(config: Config, logger: Logger): Promise<BootPlan> {
  const wanted = initialMembers(config);
  const me = self(config, wanted);
  const urls = wanted.filter((m) => m.name !== config.name).flatMap((m) => m.peerURLs);
  let remote: { clusterId: string; members: V2Member[] } | null = null;
  const errors: string[] = [];
  for (const u of urls) {
    try {
      remote = await fetchMembers([u]);
      break;
    } catch (err) {
      errors.push(`${u}: ${(err as Error).message}`);
    }
  }
  if (!remote) {
    throw new BootstrapError(`cannot fetch cluster info from peer urls: ${errors.join("; ") || "none given"}`);
  }
  if (remote.members.length !== wanted.length) {
    throw new BootstrapError(
      `error validating peerURLs {ClusterID:${remote.clusterId} Members:[${
        remote.members.map((m) => `${m.name || "(unstarted)"}=${m.peerURLs.join("|")}`).join(" ")
      }]}: member count is unequal`,
    );
  }
  const sameUrls = (a: string[], b: string[]) => [...a].sort().join(",") === [...b].sort().join(",");
  const found = remote.members.find((m) => sameUrls(m.peerURLs, me.peerURLs));
  if (!found) {
    throw new BootstrapError(
      `error validating peerURLs: no member of cluster ${remote.clusterId} has peer URLs ${me.peerURLs.join(",")}; run "etcd ctl member add ${config.name} --peer-urls ${me.peerURLs[0]}" first`,
    );
  }
  const meta: WalMetadata = { name: config.name, memberId: found.id, clusterId: remote.clusterId, initialMembers: remote.members };
  const wal = await Wal.create(config.dataDir, JSON.stringify(meta));
  logger.info(`joining existing cluster ${remote.clusterId} as member ${found.id}`);
  return { wal, recovered: null, meta };
}

/** etcd 0.2: ask any live member listed in -peers to admit us. */
async function joinThroughPeers(config: Config, logger: Logger): Promise<BootPlan> {
  const body = JSON.stringify({
    name: config.name,
    peerURLs: config.initialAdvertisePeerUrls,
    clientURLs: config.advertiseClientUrls,
  });
  const errors: string[] = [];
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    for (const peer of config.peers) {
      try {
        const { res, j } = await withDeadline(8000, async (signal) => {
          const res = await peerFetch(peer.replace(/\/$/, "") + "/join", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body,
            signal,
          });
          return { res, j: await res.json() };
        });
        if (res.status === 409 || res.status === 400) throw new BootstrapError(j.message);
        if (!res.ok) throw new Error(j.message ?? `HTTP ${res.status}`);
        const meta: WalMetadata = { name: config.name, memberId: j.memberId, clusterId: j.clusterId, initialMembers: j.members };
        const wal = await Wal.create(config.dataDir, JSON.stringify(meta));
        logger.info(`joined cluster ${j.clusterId} through ${peer} as member ${j.memberId}`);
        return { wal, recovered: null, meta };
      } catch (err) {
        if (err instanceof BootstrapError) throw err;
        errors.push(`${peer}: ${(err as Error).message}`);
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new BootstrapError(`cannot join the cluster through -peers ${config.peers.join(",")}: ${errors.slice(-config.peers.length).join("; ")}`);
}

/**
 * --force-new-cluster: keep the data, forget the other members. Like etcd,
 * the uncommitted tail of the log is dropped and committed conf changes
 * removing every other voter are appended, so replay ends in a one-member
 * cluster with the same cluster ID.
 */
async function forceNewCluster(config: Config, logger: Logger, wal: Wal, recovered: Recovered, meta: WalMetadata): Promise<BootPlan> {
  const commit = recovered.hardState?.commit ?? recovered.snapshot?.index ?? 0;
  const voters = new Set<string>(
    recovered.snapshot ? (JSON.parse(recovered.snapshot.meta) as SnapshotMeta).confState.voters : [],
  );
  let lastTerm = recovered.snapshot?.term ?? 0;
  for (const e of recovered.entries) {
    if (e.index > commit) break;
    lastTerm = e.term;
    if (e.type !== "confChange") continue;
    const cc = decodeConfChange(e.data);
    if (cc.type === "addNode") voters.add(cc.nodeId);
    if (cc.type === "removeNode") voters.delete(cc.nodeId);
  }
  const removals: WalEntry[] = [...voters].filter((id) => id !== meta.memberId).sort().map((id, i) => ({
    index: commit + 1 + i,
    term: lastTerm,
    type: "confChange",
    data: encodeConfChange({ type: "removeNode", nodeId: id, context: "" }),
  }));
  const newCommit = commit + removals.length;
  const dropped = recovered.entries.filter((e) => e.index > commit).length;
  if (removals.length > 0 || dropped > 0 || (recovered.hardState?.commit ?? 0) !== newCommit) {
    await wal.append(removals, { term: Math.max(lastTerm, recovered.hardState?.term ?? 0), vote: "", commit: newCommit });
  }
  await wal.close();
  logger.warn(
    `--force-new-cluster: keeping data up to index ${commit}, removing ${removals.length} other member(s), dropping ${dropped} uncommitted entr${dropped === 1 ? "y" : "ies"}`,
  );
  const reopened = await Wal.open(config.dataDir);
  return { wal: reopened.wal, recovered: reopened.recovered, meta };
}

/** A member's view of the cluster, from its peer API. */
export async function fetchMembers(peerUrls: string[]): Promise<{ clusterId: string; members: V2Member[] }> {
  let last: Error = new Error("no peer URL");
  for (const u of peerUrls) {
    try {
      return await withDeadline(PEER_TIMEOUT_MS, async (signal) => {
        const res = await peerFetch(u.replace(/\/$/, "") + "/members", { signal });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const members = (await res.json()) as V2Member[];
        return { clusterId: res.headers.get("x-etcd-cluster-id") ?? "", members };
      });
    } catch (err) {
      last = err as Error;
    }
  }
  throw last;
}
