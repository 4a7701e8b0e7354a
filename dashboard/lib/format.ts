// Numbers, times and sizes as people read them.

/** A duration like "4s", "3m 12s", "2h 05m" or "3d 4h". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${pad(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${pad(m % 60)}m`;
  const d = Math.floor(h / 24);
  return `${d}d ${h % 24}h`;
}

/** Local wall-clock time, "14:03:22". */
export function clockTime(t: number): string {
  const d = new Date(t);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Local date and time, "2024-05-01 14:03:22". */
export function dateTime(t: number): string {
  const d = new Date(t);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clockTime(t)}`;
}

/** A byte count, "812 B", "1.2 KiB", "3.4 MiB". */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** A rate per second with sensible precision: "0", "0.5", "12", "3.4k". */
export function rate(n: number): string {
  if (n === 0) return "0";
  if (n < 10) return n.toFixed(1).replace(/\.0$/, "");
  if (n < 10_000) return Math.round(n).toString();
  return `${(n / 1000).toFixed(1)}k`;
}

/** An index with thousands grouped, "1 204 331". */
export function count(n: number): string {
  return n.toLocaleString("en-US").replace(/,/g, "\u202f");
}

/** Bytes in a value's UTF-8 encoding. */
export function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Plural-aware "3 keys", "1 key". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
