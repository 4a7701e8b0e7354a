// Go's ServeMux answers unclean paths ("//", ".", "..", also spelled with
// %2E) with a 301 to the clean one; so do we, for every route.

import type { MiddlewareHandler } from "hono";
import { rawRequestTarget } from "../runtime/serve.ts";

/** The raw (still %-encoded) path and query of a request URL. */
export function splitUrl(url: string): { rawPath: string; query: string } {
  const pathStart = url.indexOf("/", url.indexOf("//") + 2);
  const q = url.indexOf("?", pathStart);
  return q === -1
    ? { rawPath: url.slice(pathStart), query: "" }
    : { rawPath: url.slice(pathStart, q), query: url.slice(q + 1) };
}

// Go cleans the decoded path, so %2E and %2e spell dots too.
const UNCLEAN = /\/\/|\/(?:\.|%2e){1,2}(\/|$)/i;

/** Whether Go's mux would redirect this raw path: it has "//", "." or ".." segments. */
export function isUncleanPath(rawPath: string): boolean {
  return UNCLEAN.test(rawPath);
}

/** Go's mux answers unclean paths ("//", ".", "..") with a 301 to the clean one. */
function cleanRedirect(rawPath: string, query: string, method: string): Response | null {
  if (!isUncleanPath(rawPath)) return null;
  const out: string[] = [];
  for (const part of rawPath.split("/")) {
    const dots = part.replace(/%2e/gi, ".");
    if (part === "" || dots === ".") continue;
    if (dots === "..") out.pop();
    else out.push(part);
  }
  let clean = "/" + out.join("/");
  if (rawPath.endsWith("/") && clean !== "/") clean += "/";
  // Like Go's http.Redirect: non-ASCII bytes %-escaped (a header must be a
  // ByteString; raw bytes in a query reach us), an HTML body only for GET and
  // HEAD, with the URL HTML-escaped in it.
  const location = hexEscapeNonAscii(clean + (query ? "?" + query : ""));
  if (method !== "GET" && method !== "HEAD") return new Response(null, { status: 301, headers: { Location: location } });
  return new Response(`<a href="${htmlEscape(location)}">Moved Permanently</a>.\n\n`, {
    status: 301,
    headers: { Location: location, "Content-Type": "text/html; charset=utf-8" },
  });
}

const utf8 = new TextEncoder();

function hexEscapeNonAscii(s: string): string {
  return s.replace(/[^\x21-\x7e]/gu, (ch) => Array.from(utf8.encode(ch), (b) => "%" + b.toString(16).toUpperCase().padStart(2, "0")).join(""));
}

function htmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** The redirect, judged from the target as sent (node's adaptor resolves dots in req.url). */
export function cleanPaths(): MiddlewareHandler {
  return async (c, next) => {
    const sent = rawRequestTarget(c.req.raw);
    const { rawPath, query } = splitUrl(sent ? "http://target" + sent : c.req.url);
    const redirect = cleanRedirect(rawPath, query, c.req.method);
    if (redirect) return redirect;
    await next();
  };
}
