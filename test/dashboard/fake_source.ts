// A DashboardSource whose status the test sets, for testing the stream and
// routes without a real member.

import type { ClusterStatus } from "../../shared/dashboard.ts";
import type { DashboardSource } from "../../server/http/dashboard.ts";

export class FakeSource implements DashboardSource {
  subscribers = new Set<() => void>();
  subscribeCalls = 0;
  current: ClusterStatus = {
    self: { id: "a1", name: "alpha" },
    clusterId: "c0ffee",
    startedAt: 1_700_000_000_000,
    members: [
      { id: "a1", name: "alpha", peerURLs: ["http://127.0.0.1:1"], clientURLs: ["http://127.0.0.1:2"], state: "leader" },
      { id: "b2", name: "beta", peerURLs: ["http://127.0.0.1:3"], clientURLs: ["http://127.0.0.1:4"], state: "follower" },
    ],
    leaderId: "a1",
    term: 3,
    commitIndex: 10,
    appliedIndex: 10,
    counters: { reads: 0, writes: 0 },
    watchers: 0,
    terms: [{ term: 3, leaderId: "a1", leaderName: "alpha", startedAt: 1_700_000_000_500 }],
  };

  status(): ClusterStatus {
    return structuredClone(this.current);
  }

  subscribe(onChange: () => void): () => void {
    this.subscribeCalls++;
    this.subscribers.add(onChange);
    return () => this.subscribers.delete(onChange);
  }

  /** Changes the status and tells subscribers, as a real source would. */
  change(f: (s: ClusterStatus) => void): void {
    f(this.current);
    for (const s of this.subscribers) s();
  }
}
