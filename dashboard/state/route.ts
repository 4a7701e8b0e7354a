// Which view is shown, kept in the URL's hash so reloads and links keep it:
// #/cluster, #/keys/some/key, #/watch.

import { signal } from "@preact/signals";
import { decodePath, encodePath } from "../lib/paths.ts";

export type View = "cluster" | "keys" | "watch";

export interface Route {
  view: View;
  /** For the keys view: the selected path. */
  path: string;
}

function parse(hash: string): Route {
  const h = hash.replace(/^#\/?/, "");
  if (h.startsWith("keys")) return { view: "keys", path: decodePath(h.slice(4)) };
  if (h.startsWith("watch")) return { view: "watch", path: "/" };
  return { view: "cluster", path: "/" };
}

export function routeHash(r: Route): string {
  return r.view === "keys" ? `#/keys${r.path === "/" ? "" : encodePath(r.path)}` : `#/${r.view}`;
}

export const route = signal<Route>(parse(location.hash));

addEventListener("hashchange", () => {
  route.value = parse(location.hash);
});

/** Shows a view; `replace` keeps the browser history short (for selection that follows the cursor). */
export function navigate(view: View, path = "/", replace = false): void {
  const next: Route = { view, path };
  const hash = routeHash(next);
  if (location.hash !== hash) {
    if (replace) history.replaceState(null, "", hash);
    else history.pushState(null, "", hash);
  }
  route.value = next;
}
