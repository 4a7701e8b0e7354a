// Key paths as the dashboard handles them: always absolute, "/" for the
// root, no trailing or doubled slashes.

/** Turns what a person typed ("foo/bar/", "//a") into a clean absolute path. */
export function normalizePath(input: string): string {
  const parts = input.split("/").filter((p) => p !== "" && p !== ".");
  return "/" + parts.join("/");
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

export function nameOf(path: string): string {
  return path === "/" ? "/" : path.slice(path.lastIndexOf("/") + 1);
}

export function joinPath(dir: string, name: string): string {
  return normalizePath(`${dir}/${name}`);
}

/** "/a/b/c" → ["/", "/a", "/a/b", "/a/b/c"]. */
export function ancestry(path: string): string[] {
  const out = ["/"];
  if (path === "/") return out;
  let cur = "";
  for (const p of path.slice(1).split("/")) {
    cur += `/${p}`;
    out.push(cur);
  }
  return out;
}

/** Whether `path` is `dir` itself or below it. */
export function within(path: string, dir: string): boolean {
  return dir === "/" || path === dir || path.startsWith(`${dir}/`);
}

/** etcd hides keys whose name starts with "_" from listings and recursive watches. */
export function isHidden(path: string): boolean {
  return nameOf(path).startsWith("_");
}

/** Path segments URL-encoded for /v2/keys (keys may hold "?", "#", "%" or spaces). */
export function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

export function decodePath(encoded: string): string {
  try {
    return normalizePath(encoded.split("/").map(decodeURIComponent).join("/"));
  } catch {
    return normalizePath(encoded);
  }
}
