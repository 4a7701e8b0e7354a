// Go's encoding/json string escaping (as built with Go 1.19, which Debian's
// etcdctl uses): HTML-sensitive characters and control characters become
// \u escapes, U+2028/U+2029 too.

export function goJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (cp < 0x20 || ch === "<" || ch === ">" || ch === "&" || cp === 0x2028 || cp === 0x2029) {
      out += "\\u" + cp.toString(16).padStart(4, "0");
    } else if (cp >= 0xd800 && cp <= 0xdfff) out += "\\ufffd";
    else out += ch;
  }
  return out + '"';
}

/** Writes a JSON object from [key, already-encoded value] pairs, in order. */
export function goJsonObject(fields: Array<[string, string]>): string {
  return "{" + fields.map(([k, v]) => `${goJsonString(k)}:${v}`).join(",") + "}";
}

/** A []string field: null when absent, else the array. */
export function goJsonStrings(xs: string[] | null | undefined): string {
  if (xs === null || xs === undefined) return "null";
  return "[" + xs.map(goJsonString).join(",") + "]";
}
