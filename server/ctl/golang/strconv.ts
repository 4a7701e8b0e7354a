// The bits of Go's strconv that etcdctl's text depends on: flag values are
// parsed with ParseInt(s, 0, 64) and ParseBool, and `%q` quotes with Quote.

/** Why a parse failed, in the words Go's flag package prints. */
export class NumError extends Error {}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.ParseInt(s, 0, 64): sign, then a 0x/0o/0b/0 prefix picks the base. */
export function parseGoInt(s: string): number {
  let body = s;
  let negative = false;
  if (body.startsWith("+") || body.startsWith("-")) {
    negative = body[0] === "-";
    body = body.slice(1);
  }
  let base = 10;
  let prefixed = false;
  if (/^0[xX]/.test(body)) [base, body, prefixed] = [16, body.slice(2), true];
  else if (/^0[oO]/.test(body)) [base, body, prefixed] = [8, body.slice(2), true];
  else if (/^0[bB]/.test(body)) [base, body, prefixed] = [2, body.slice(2), true];
  else if (body.length > 1 && body[0] === "0") [base, body, prefixed] = [8, body.slice(1), true];
  // Underscores may only separate digits, and only when a base prefix was given.
  if (body.includes("_")) {
    if (!prefixed || !/^_?[^_]+(_[^_]+)*$/.test(body)) throw new NumError("parse error");
    body = body.replaceAll("_", "");
  }
  const digits = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base]!;
  if (!digits.test(body)) throw new NumError("parse error");
  const prefix = { 2: "0b", 8: "0o", 10: "", 16: "0x" }[base]!;
  let value = BigInt(prefix + body);
  if (negative) value = -value;
  if (value < INT64_MIN || value > INT64_MAX) throw new NumError("value out of range");
  return Number(value);
}

/** strconv.ParseBool. */
export function parseGoBool(s: string): boolean {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(s)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(s)) return false;
  throw new NumError("parse error");
}

/** strconv.ParseUint(s, 16, 64) as etcdctl v3 reads member IDs; the value as a bigint. */
export function parseHexUint64(s: string): bigint {
  if (!/^[0-9a-fA-F]+$/.test(s)) throw new NumError(`strconv.ParseUint: parsing ${quote(s)}: invalid syntax`);
  const v = BigInt("0x" + s);
  if (v >= 2n ** 64n) throw new NumError(`strconv.ParseUint: parsing ${quote(s)}: value out of range`);
  return v;
}

/** strconv.Quote: a double-quoted Go string literal (what `%q` prints). */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "\x07":
        out += "\\a";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\v":
        out += "\\v";
        continue;
    }
    if (cp === 0xfffd && ch !== "\ufffd") out += "\\ufffd";
    else if (cp < 0x20 || cp === 0x7f) out += "\\x" + cp.toString(16).padStart(2, "0");
    else if (isPrintable(cp)) out += ch;
    else if (cp < 0x10000) out += "\\u" + cp.toString(16).padStart(4, "0");
    else out += "\\U" + cp.toString(16).padStart(8, "0");
  }
  return out + '"';
}

// Close enough to unicode.IsPrint for names and URLs: control characters,
// separators other than the space and unpaired surrogates are not printable.
function isPrintable(cp: number): boolean {
  if (cp >= 0x80 && cp < 0xa0) return false;
  if (cp === 0xad || cp === 0x2028 || cp === 0x2029) return false;
  if (cp >= 0xd800 && cp <= 0xdfff) return false;
  return true;
}
