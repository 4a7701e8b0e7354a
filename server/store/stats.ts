// Success/failure counters per operation, as /v2/stats/store reports them.

import type { StoreStats } from "../../shared/api.ts";

export type StatOp = "gets" | "sets" | "delete" | "update" | "create" | "compareAndSwap" | "compareAndDelete";

export class StoreCounters {
  private counts: Record<string, number> = {};
  expireCount = 0;

  inc(op: StatOp, ok: boolean): void {
    const k = op + (ok ? "Success" : "Fail");
    this.counts[k] = (this.counts[k] ?? 0) + 1;
  }

  toJSON(watchers: number): StoreStats {
    const c = (k: string) => this.counts[k] ?? 0;
    return {
      getsSuccess: c("getsSuccess"),
      getsFail: c("getsFail"),
      setsSuccess: c("setsSuccess"),
      setsFail: c("setsFail"),
      deleteSuccess: c("deleteSuccess"),
      deleteFail: c("deleteFail"),
      updateSuccess: c("updateSuccess"),
      updateFail: c("updateFail"),
      createSuccess: c("createSuccess"),
      createFail: c("createFail"),
      compareAndSwapSuccess: c("compareAndSwapSuccess"),
      compareAndSwapFail: c("compareAndSwapFail"),
      compareAndDeleteSuccess: c("compareAndDeleteSuccess"),
      compareAndDeleteFail: c("compareAndDeleteFail"),
      expireCount: this.expireCount,
      watchers,
    };
  }
}
