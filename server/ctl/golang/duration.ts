// Go's time.ParseDuration and Duration.String, for --timeout and
// --total-timeout (etcdctl's flags are Go durations: "2s", "500ms", "1m30s").

import { NumError } from "./strconv.ts";

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3, // U+00B5
  "μs": 1e3, // U+03BC
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Parses a Go duration; the result is in milliseconds. */
export function parseGoDuration(s: string): number {
  let rest = s;
  let negative = false;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    negative = rest[0] === "-";
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw new NumError("parse error");
  let totalNs = 0;
  while (rest !== "") {
    const m = /^([0-9]*)(?:\.([0-9]*))?([^0-9.]+)/.exec(rest);
    if (!m || (m[1] === "" && (m[2] ?? "") === "")) throw new NumError("parse error");
    // The unit runs until the next digit or dot.
    const unit = m[3];
    const scale = UNIT_NS[unit];
    if (scale === undefined) throw new NumError("parse error");
    const whole = m[1] === "" ? 0 : Number(m[1]);
    const frac = m[2] ? Number("0." + m[2]) : 0;
    totalNs += (whole + frac) * scale;
    rest = rest.slice(m[0].length);
  }
  if (totalNs > 2 ** 63) throw new NumError("parse error");
  return (negative ? -totalNs : totalNs) / 1e6;
}

/** Duration.String for the whole-second and millisecond defaults shown in help. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const totalSeconds = ms / 1000;
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const sec = totalSeconds % 60;
  const secText = `${Number(sec.toFixed(9))}s`;
  if (h > 0) return `${h}h${m}m${secText}`;
  if (m > 0) return `${m}m${secText}`;
  return secText;
}
