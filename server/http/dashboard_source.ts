// Builds the dashboard's view of the cluster from a running EtcdServer. This
// is the only dashboard module that knows EtcdServer: when the server learns
// more (per-member reachability, richer term history), only this changes.

import type { EtcdServer } from "../cluster/etcd_server.ts";
import type { ClusterStatus, MemberState, MemberStatus } from "../../shared/dashboard.ts";
import type { DashboardSource } from "./dashboard_stream.ts";

/** The parts of EtcdServer the dashboard reads. */
export type DashboardBackend = Pick<
  EtcdServer,
  | "name"
  | "memberId"
  | "clusterId"
  | "startTime"
  | "leaderId"
  | "raftTerm"
  | "raftIndex"
  | "applied"
  | "raftState"
  | "members"
  | "isReachable"
  | "store"
  | "terms"
>;

/** EtcdServer has no change events, so changes are found by comparing this often. */
const POLL_MS = 100;

export function dashboardSource(server: DashboardBackend, pollMs = POLL_MS): DashboardSource {
  const status = (): ClusterStatus => {
    const stats = server.store.stats.toJSON(server.store.hub.count);
    const leaderId = server.leaderId;
    const members: MemberStatus[] = server.members().map((m) => ({
      id: m.id,
      name: m.name,
      peerURLs: [...m.peerURLs],
      clientURLs: [...m.clientURLs],
      state: memberState(server, m.id, leaderId),
    }));
    return {
      self: { id: server.memberId, name: server.name },
      clusterId: server.clusterId,
      startedAt: server.startTime.getTime(),
      members,
      leaderId,
      term: server.raftTerm,
      commitIndex: server.raftIndex,
      appliedIndex: server.applied,
      counters: {
        reads: stats.getsSuccess + stats.getsFail,
        writes: stats.setsSuccess + stats.setsFail + stats.deleteSuccess + stats.deleteFail +
          stats.updateSuccess + stats.updateFail + stats.createSuccess + stats.createFail +
          stats.compareAndSwapSuccess + stats.compareAndSwapFail +
          stats.compareAndDeleteSuccess + stats.compareAndDeleteFail,
      },
      watchers: stats.watchers,
      terms: server.terms.list(),
    };
  };

  return {
    status,
    subscribe(onChange) {
      let last = fingerprint(status());
      const timer = setInterval(() => {
        const now = fingerprint(status());
        if (now === last) return;
        last = now;
        onChange();
      }, pollMs);
      return () => clearInterval(timer);
    },
  };
}

function memberState(server: DashboardBackend, id: string, leaderId: string): MemberState {
  if (id === server.memberId) {
    const s = server.raftState;
    if (s === "leader") return "leader";
    if (s === "candidate" || s === "preCandidate") return "candidate";
    return "follower";
  }
  if (!server.isReachable(id)) return "unreachable";
  return id === leaderId ? "leader" : "follower";
}

/** Everything a page shows except the counters (those move the rates, sent every second anyway). */
function fingerprint(s: ClusterStatus): string {
  const last = s.terms[s.terms.length - 1];
  return [
    s.leaderId,
    s.term,
    s.commitIndex,
    s.appliedIndex,
    s.watchers,
    s.members.map((m) => `${m.id}/${m.name}/${m.state}/${m.peerURLs}/${m.clientURLs}`).join(","),
    s.terms.length,
    last ? `${last.term}/${last.leaderId}/${last.endedAt ?? ""}` : "",
  ].join("|");
}
