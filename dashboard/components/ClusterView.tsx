// The cluster at a glance: numbers, members, terms, and the index chart.

import { status } from "../state/cluster.ts";
import { IndexChart } from "./IndexChart.tsx";
import { MembersTable } from "./MembersTable.tsx";
import { StatCards } from "./StatCards.tsx";
import { TermTimeline } from "./TermTimeline.tsx";

export function ClusterView() {
  if (!status.value) {
    return <div class="placeholder">Waiting for the first status from the member…</div>;
  }
  return (
    <div class="cluster-view" data-test="cluster-view">
      <StatCards />
      <MembersTable />
      <div class="two-col">
        <TermTimeline />
        <IndexChart />
      </div>
    </div>
  );
}
