// Who led each term and for how long, for the dashboard's timeline.

export interface TermRecord {
  term: number;
  leaderId: string;
  leaderName: string;
  startedAt: number;
  endedAt?: number;
}

export class TermHistory {
  private records: TermRecord[] = [];

  constructor(private readonly keep = 200) {}

  /** A leader change seen at `term` ("" = no leader). */
  observe(term: number, leaderId: string, leaderName: string, now = Date.now()): void {
    const last = this.records[this.records.length - 1];
    if (last && last.endedAt === undefined) {
      if (last.term === term && last.leaderId === leaderId) return;
      last.endedAt = now;
    }
    if (!leaderId) return;
    this.records.push({ term, leaderId, leaderName, startedAt: now });
    if (this.records.length > this.keep) this.records.shift();
  }

  list(): TermRecord[] {
    return this.records.map((r) => ({ ...r }));
  }
}
