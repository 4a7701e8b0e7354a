// URL text the way Go's net/url writes it, so request paths, queries and
// --debug cURL lines come out as etcdctl's do.

import { quote } from "./strconv.ts";

const encoder = new TextEncoder();

function isUnreserved(b: number): boolean {
  return (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) ||
    b === 0x2d || b === 0x5f || b === 0x2e || b === 0x7e;
}

function hex(b: number): string {
  return "%" + b.toString(16).toUpperCase().padStart(2, "0");
}

/** url.PathEscape-like escaping of a whole path (Go's encodePath mode). */
export function escapePath(path: string): string {
  let out = "";
  for (const b of encoder.encode(path)) {
    // In a whole path Go keeps the reserved characters except '?'.
    if (isUnreserved(b) || "$&+,/:;=@".includes(String.fromCharCode(b))) out += String.fromCharCode(b);
    else out += hex(b);
  }
  return out;
}

/** url.QueryEscape: everything but the unreserved set is escaped, space becomes '+'. */
export function queryEscape(s: string): string {
  let out = "";
  for (const b of encoder.encode(s)) {
    if (isUnreserved(b)) out += String.fromCharCode(b);
    else if (b === 0x20) out += "+";
    else out += hex(b);
  }
  return out;
}

/** url.Values.Encode: pairs sorted by key, each escaped. */
export function encodeValues(values: Array<[string, string]>): string {
  const sorted = [...values].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return sorted.map(([k, v]) => `${queryEscape(k)}=${queryEscape(v)}`).join("&");
}

/** path.Clean from Go: lexical clean-up of a slash-separated path. */
export function cleanPath(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  if (rooted) return "/" + joined;
  return joined === "" ? "." : joined;
}

/** pathutil.CanonicalURLPath: rooted, cleaned, a trailing slash kept. */
export function canonicalUrlPath(p: string): string {
  if (p === "") return "/";
  if (!p.startsWith("/")) p = "/" + p;
  let np = cleanPath(p);
  if (p.endsWith("/") && np !== "/") np += "/";
  return np;
}

/** path.Join: joins the non-empty parts and cleans the result. */
export function joinPath(...parts: string[]): string {
  const nonEmpty = parts.filter((s) => s !== "");
  if (nonEmpty.length === 0) return "";
  return cleanPath(nonEmpty.join("/"));
}

/** An endpoint as Go's url.URL keeps it: scheme, host and base path. */
export interface Endpoint {
  scheme: string;
  host: string;
  path: string;
}

/** The text of an endpoint (url.URL.String()). */
export function endpointString(ep: Endpoint): string {
  return `${ep.scheme}://${ep.host}${escapePath(ep.path)}`;
}

/** A request URL: endpoint with a new path and an already-encoded query. */
export function requestUrl(ep: Endpoint, path: string, rawQuery = ""): string {
  return `${ep.scheme}://${ep.host}${escapePath(path)}${rawQuery ? "?" + rawQuery : ""}`;
}

export class UrlParseError extends Error {}

/** url.Parse for the absolute and scheme-less forms etcdctl meets; scheme "" when none. */
export function parseGoUrl(raw: string): Endpoint {
  const fail = (why: string): never => {
    throw new UrlParseError(`parse ${quote(raw)}: ${why}`);
  };
  if ([...raw].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) fail("net/url: invalid control character in URL");
  let rest = raw;
  let scheme = "";
  const sm = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  if (sm) {
    scheme = sm[1].toLowerCase();
    rest = rest.slice(sm[0].length);
  } else if (rest.startsWith(":")) {
    fail("missing protocol scheme");
  }
  const qi = rest.search(/[?#]/);
  if (qi >= 0) rest = rest.slice(0, qi);
  let host = "";
  let path = rest;
  if (rest.startsWith("//")) {
    const slash = rest.indexOf("/", 2);
    host = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    path = slash < 0 ? "" : rest.slice(slash);
  } else if (scheme === "" && rest.split("/")[0].includes(":")) {
    fail("first path segment in URL cannot contain colon");
  }
  try {
    path = decodeURIComponent(path);
  } catch {
    fail("invalid URL escape");
  }
  return { scheme, host, path };
}

/**
 * Reads an --endpoints entry like etcdctl: url.Parse, then "http" when no
 * scheme was given. Go then writes a scheme-less "host" back as
 * http://host, so a bare host name works; a bare host:port is refused.
 */
export function parseEndpoint(raw: string): Endpoint {
  const u = parseGoUrl(raw);
  if (u.scheme !== "") return u;
  if (u.host === "" && u.path !== "" && !u.path.startsWith("/")) {
    const slash = u.path.indexOf("/");
    return { scheme: "http", host: slash < 0 ? u.path : u.path.slice(0, slash), path: slash < 0 ? "" : u.path.slice(slash) };
  }
  return { ...u, scheme: "http" };
}
