// What crash_writer.ts writes at each index, so the test can check contents.
export function entryData(index: number): string {
  return JSON.stringify({ op: "set", key: `/k/${index % 97}`, value: `v${index}`.padEnd(40 + (index % 50), "x") });
}
