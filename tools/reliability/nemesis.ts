// Injects faults on a seeded schedule, one at a time, healing each before the
// next: kill -9 and restart of a random member or the leader, SIGSTOP/SIGCONT
// of the leader, and (with a peer proxy) partitions of the peer traffic.

import { json, type Member } from "../../test/helpers/cluster.ts";
import type { Rng } from "./rng.ts";
import type { PeerProxy } from "./proxy.ts";

export type Fault = "kill-random" | "kill-leader" | "stop-leader" | "partition-leader" | "partition-random" | "one-way" | "slow-links";

export interface NemesisOptions {
  members: Member[];
  rng: Rng;
  faults: Fault[];
  /** Pause between faults, and how long a fault lasts, in ms. */
  gapMs: [number, number];
  holdMs: [number, number];
  proxy?: PeerProxy;
  log?: (line: string) => void;
}

export class Nemesis {
  readonly injected: Record<string, number> = {};
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(private readonly opts: NemesisOptions) {}

  start(): void {
    this.loop = this.run();
  }

  /** Stops injecting, heals the current fault and brings every member back. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.healAll();
  }

  private async run(): Promise<void> {
    const { rng, faults, gapMs, holdMs } = this.opts;
    while (!this.stopped) {
      await sleep(rng.between(...gapMs));
      if (this.stopped) break;
      const fault = faults[rng.int(faults.length)];
      const hold = rng.between(...holdMs);
      this.injected[fault] = (this.injected[fault] ?? 0) + 1;
      try {
        await this.inject(fault, hold);
      } catch (e) {
        this.opts.log?.(`nemesis: ${fault} went wrong: ${(e as Error).message}`);
      }
      await this.healAll();
    }
  }

  private async inject(fault: Fault, hold: number): Promise<void> {
    const { members, rng, proxy } = this.opts;
    const names = members.map((m) => m.name);
    const victim = fault.endsWith("random") ? members[rng.int(members.length)] : await this.leader();
    this.opts.log?.(`nemesis: ${fault} ${fault === "one-way" || fault === "slow-links" ? "" : victim.name} for ${hold.toFixed(0)} ms`);
    switch (fault) {
      case "kill-random":
      case "kill-leader":
        await victim.kill("SIGKILL");
        await sleep(hold);
        victim.start();
        return;
      case "stop-leader":
        victim.signal("SIGSTOP");
        try {
          await sleep(hold);
        } finally {
          victim.signal("SIGCONT");
        }
        return;
      case "partition-leader":
      case "partition-random":
        for (const other of names) {
          if (other === victim.name) continue;
          proxy!.set(victim.name, other, { cut: true });
          proxy!.set(other, victim.name, { cut: true });
        }
        await sleep(hold);
        return;
      case "one-way": {
        const from = names[rng.int(names.length)];
        const to = names.filter((n) => n !== from)[rng.int(names.length - 1)];
        this.opts.log?.(`nemesis: cut ${from} -> ${to}`);
        proxy!.set(from, to, { drop: true });
        await sleep(hold);
        return;
      }
      case "slow-links":
        for (const a of names) for (const b of names) if (a !== b) proxy!.set(a, b, { delayMs: rng.between(20, 200) });
        await sleep(hold);
        return;
    }
  }

  /** Every member running and not stopped, every link clean. */
  private async healAll(): Promise<void> {
    this.opts.proxy?.healAll();
    for (const m of this.opts.members) {
      m.signal("SIGCONT");
      if (!m.running) m.start();
    }
    await Promise.all(this.opts.members.map((m) => m.healthy(30_000).catch((e) => this.opts.log?.(`nemesis: ${m.name} not healthy: ${(e as Error).message.slice(0, 200)}`))));
  }

  /** The member the cluster calls its leader; a random one if that cannot be told now. */
  private async leader(): Promise<Member> {
    const { members, rng } = this.opts;
    for (const m of members) {
      try {
        const self = (await json(`${m.clientUrl}/v2/stats/self`)).body;
        const lead = self?.leaderInfo?.leader;
        if (!lead) continue;
        const list = (await json(`${m.clientUrl}/v2/members`)).body.members as { id: string; name: string }[];
        const name = list.find((x) => x.id === lead)?.name;
        const found = members.find((x) => x.name === name);
        if (found) return found;
      } catch { /* try the next member */ }
    }
    return members[rng.int(members.length)];
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
