// The numbers at the top of the cluster view.

import { count, duration, rate } from "../lib/format.ts";
import { now, serverNow } from "../state/clock.ts";
import { leader, rates, samples, status, terms } from "../state/cluster.ts";
import type { ComponentChildren } from "preact";
import { Sparkline } from "./Sparkline.tsx";

export function StatCards() {
  const s = status.value;
  if (!s) return null;
  const l = leader.value;
  const current = terms.value[terms.value.length - 1];
  const since = current && current.endedAt === undefined && current.term === s.term ? serverNow(now.value) - current.startedAt : null;
  const recent = samples.value.slice(-60);
  const reachable = s.members.filter((m) => m.state !== "unreachable").length;
  const lag = s.commitIndex - s.appliedIndex;
  return (
    <section class="cards" aria-label="Cluster summary">
      <Card label="Leader" test="stat-leader" tone={l ? "" : "bad"}>
        <div class="card-value">{l ? l.name || l.id : "none"}</div>
        <div class="card-sub">{l ? since !== null ? `for ${duration(since)}` : l.id : "election pending"}</div>
      </Card>
      <Card label="Term" test="stat-term">
        <div class="card-value">{count(s.term)}</div>
        <div class="card-sub">{plural(terms.value.length, "term")} seen</div>
      </Card>
      <Card label="Commit index" test="stat-commit">
        <div class="card-value">{count(s.commitIndex)}</div>
        <div class="card-sub">{lag > 0 ? `applied ${count(s.appliedIndex)} (${count(lag)} behind)` : `applied ${count(s.appliedIndex)}`}</div>
      </Card>
      <Card label="Reads/s" test="stat-reads">
        <div class="card-value">{rate(rates.value.readsPerSec)}</div>
        <Sparkline values={recent.map((x) => x.readsPerSec)} label="reads per second, last minute" />
      </Card>
      <Card label="Writes/s" test="stat-writes">
        <div class="card-value">{rate(rates.value.writesPerSec)}</div>
        <Sparkline values={recent.map((x) => x.writesPerSec)} label="writes per second, last minute" />
      </Card>
      <Card label="Watchers" test="stat-watchers">
        <div class="card-value">{count(s.watchers)}</div>
        <div class="card-sub">on {s.self.name || "this member"}</div>
      </Card>
      <Card label="Members" test="stat-members" tone={reachable < s.members.length ? "warn" : ""}>
        <div class="card-value">
          {reachable}
          <span class="card-of">/{s.members.length}</span>
        </div>
        <div class="card-sub">reachable</div>
      </Card>
    </section>
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function Card({ label, tone = "", test, children }: { label: string; tone?: string; test: string; children: ComponentChildren }) {
  return (
    <div class={`card ${tone}`} data-test={test}>
      <div class="card-label">{label}</div>
      {children}
    </div>
  );
}
