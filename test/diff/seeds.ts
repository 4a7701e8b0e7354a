// Which seeds a run uses: a fixed list, or DIFF_SEEDS ("7", "1,5,9", "1-100",
// "none"); which scenarios: all, or DIFF_SCENARIOS ("expiry,hidden", "none").

/** Enough sequences to reach a full 1000-event history, fast enough for CI. */
export const DEFAULT_SEEDS: readonly number[] = Array.from({ length: 40 }, (_, i) => i + 1);

export function parseSeeds(spec: string): number[] {
  const seeds: number[] = [];
  if (spec.trim() === "none") return seeds;
  for (const part of spec.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      for (let s = Number(range[1]); s <= Number(range[2]); s++) seeds.push(s);
    } else if (/^\d+$/.test(part)) {
      seeds.push(Number(part));
    } else {
      throw new Error(`DIFF_SEEDS: cannot parse "${part}" (use e.g. 7, 1,5,9 or 1-100)`);
    }
  }
  return seeds;
}

export function seedsToRun(): { seeds: number[]; custom: boolean } {
  const spec = Deno.env.get("DIFF_SEEDS");
  return spec ? { seeds: parseSeeds(spec), custom: true } : { seeds: [...DEFAULT_SEEDS], custom: false };
}

/** Names of the scenarios to run, out of `all`. */
export function scenariosToRun(all: readonly string[]): { names: string[]; custom: boolean } {
  const spec = Deno.env.get("DIFF_SCENARIOS");
  if (!spec) return { names: [...all], custom: false };
  const names = spec.split(",").map((s) => s.trim()).filter((s) => s !== "" && s !== "none");
  const unknown = names.filter((n) => !all.includes(n));
  if (unknown.length > 0) throw new Error(`DIFF_SCENARIOS: unknown ${unknown.join(", ")} (known: ${all.join(", ")})`);
  return { names, custom: true };
}
