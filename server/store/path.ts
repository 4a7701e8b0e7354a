// Key paths as etcd cleans them: rooted, no empty, "." or ".." elements.

export function cleanPath(p: string): string {
  if (p === "/" || p === "") return "/";
  // Fast path: already clean.
  if (p[0] === "/" && !p.includes("//") && !p.includes("/.") && p[p.length - 1] !== "/") return p;
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return "/" + out.join("/");
}

/** "/a/b/c" → ["/a/b", "c"]; "/a" → ["/", "a"]. */
export function splitPath(p: string): [string, string] {
  const i = p.lastIndexOf("/");
  return [i <= 0 ? "/" : p.slice(0, i), p.slice(i + 1)];
}
