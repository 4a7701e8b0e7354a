// Backups for disaster recovery (seed 002's `snapshot save` / `snapshot
// restore`): a consistent image of one member's keyspace, and a fresh data
// dir for a brand-new cluster made from it.

import { existsSync } from "node:fs";
import type { V2Member } from "../../shared/api.ts";
import { Wal } from "../storage/mod.ts";
import { loadStore, saveStore, type StoreSnapshot } from "../store/snapshot.ts";
import type { WalMetadata } from "./bootstrap.ts";
import { computeClusterId, computeMemberId } from "./ids.ts";
import { Membership } from "./membership.ts";
import type { SnapshotMeta } from "./raft_node.ts";

export const BACKUP_FORMAT = "etcd-ts-snapshot";

export interface Backup {
  format: typeof BACKUP_FORMAT;
  version: 1;
  /** Raft index and store index the image was taken at. */
  index: number;
  storeIndex: number;
  clusterId: string;
  takenAt: string;
  store: StoreSnapshot;
}

export class BackupError extends Error {}

export function parseBackup(text: string): Backup {
  let b: Backup;
  try {
    b = JSON.parse(text);
  } catch {
    throw new BackupError("not a snapshot file: it is not JSON (was it written by `etcd ctl snapshot save`?)");
  }
  if (b?.format !== BACKUP_FORMAT || b.version !== 1 || !b.store) {
    throw new BackupError("not a snapshot file written by `etcd ctl snapshot save` (format etcd-ts-snapshot, version 1)");
  }
  return b;
}

export interface RestoreOptions {
  name: string;
  dataDir: string;
  initialCluster: { name: string; peerUrls: string[] }[];
  initialClusterToken: string;
}

export interface RestoreResult {
  memberId: string;
  clusterId: string;
  members: V2Member[];
}

/**
 * Writes a data dir for member `name` of a new cluster holding the backup's
 * keys. Every member restored from the same file with the same cluster list
 * gets the same log position and configuration, so they start as one cluster.
 */
export async function restoreBackup(b: Backup, o: RestoreOptions): Promise<RestoreResult> {
  if (existsSync(o.dataDir)) throw new BackupError(`data-dir "${o.dataDir}" exists; remove it or choose another --data-dir`);
  const members: V2Member[] = o.initialCluster.map((m) => ({
    id: computeMemberId(m.peerUrls, o.initialClusterToken),
    name: m.name,
    peerURLs: m.peerUrls,
    clientURLs: [],
  }));
  const me = members.find((m) => m.name === o.name);
  if (!me) throw new BackupError(`couldn't find local name "${o.name}" in the initial cluster configuration (--initial-cluster)`);
  const clusterId = computeClusterId(members.map((m) => m.id));

  // The old cluster's member list is not part of the new cluster.
  const store = loadStore(b.store);
  try {
    store.delete("/_etcd/machines", true, true);
  } catch { /* none */ }
  const index = Math.max(b.index, 1);
  const data = JSON.stringify({
    store: saveStore(store),
    membership: new Membership(clusterId, members).toJSON(),
    seen: [],
  });
  const meta: WalMetadata = { name: o.name, memberId: me.id, clusterId, initialMembers: members };
  const wal = await Wal.create(o.dataDir, JSON.stringify(meta));
  try {
    const confState = { voters: members.map((m) => m.id).sort() };
    await wal.saveSnapshot({ index, term: 1, meta: JSON.stringify({ confState } satisfies SnapshotMeta), data });
    await wal.append([], { term: 1, vote: "", commit: index });
  } finally {
    await wal.close();
  }
  return { memberId: me.id, clusterId, members };
}

/** The image of a store, as `snapshot save` writes it. */
export function makeBackup(storeSnap: StoreSnapshot, index: number, clusterId: string): Backup {
  return {
    format: BACKUP_FORMAT,
    version: 1,
    index,
    storeIndex: storeSnap.index,
    clusterId,
    takenAt: new Date().toISOString(),
    store: storeSnap,
  };
}
