// One color per member, the same everywhere on the page (timeline, legend,
// member list), picked from a palette that reads on light and dark.

const PALETTE = 8;

/** CSS color for a member, stable for a given member list. */
export function memberColor(id: string, allIds: string[]): string {
  const sorted = [...new Set(allIds)].sort();
  let i = sorted.indexOf(id);
  if (i < 0) i = [...id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  return `var(--m${i % PALETTE})`;
}
