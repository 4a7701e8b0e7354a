// application/x-www-form-urlencoded parsing with Go's url.ParseQuery rules:
// "+" is a space, a bad %-escape is an error (etcd answers 210), and values
// from the body come before values from the query string.

export type Form = Map<string, string[]>;

export class FormError extends Error {}

const utf8 = new TextDecoder();

function unescape(s: string): string {
  if (s.indexOf("%") === -1) return s.indexOf("+") === -1 ? s : s.replaceAll("+", " ");
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 /* % */) {
      const h = parseHexByte(s, i + 1);
      if (h < 0) {
        throw new FormError(`invalid URL escape "${s.slice(i, i + 3)}"`);
      }
      bytes.push(h);
      i += 2;
    } else if (c === 0x2b /* + */) {
      bytes.push(0x20);
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      // Non-ASCII characters arrive already decoded; re-encode as UTF-8.
      const cp = s.codePointAt(i)!;
      if (cp > 0xffff) i++;
      bytes.push(...new TextEncoder().encode(String.fromCodePoint(cp)));
    }
  }
  return utf8.decode(new Uint8Array(bytes));
}

function parseHexByte(s: string, i: number): number {
  if (i + 1 >= s.length) return -1;
  const hi = hexVal(s.charCodeAt(i)), lo = hexVal(s.charCodeAt(i + 1));
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Adds the pairs of an urlencoded string to `into`. Throws FormError on bad escapes. */
export function parseUrlEncoded(s: string, into: Form): void {
  if (s === "") return;
  for (const part of s.split("&")) {
    if (part === "") continue;
    if (part.includes(";")) throw new FormError("invalid semicolon separator in query");
    const eq = part.indexOf("=");
    const key = unescape(eq === -1 ? part : part.slice(0, eq));
    const value = eq === -1 ? "" : unescape(part.slice(eq + 1));
    const list = into.get(key);
    if (list) list.push(value);
    else into.set(key, [value]);
  }
}

/** Decodes a %-escaped URL path (no "+" rule). Throws FormError on bad escapes. */
export function unescapePath(s: string): string {
  if (s.indexOf("%") === -1) return s;
  return unescape(s.replaceAll("+", "%2B"));
}
