// The top bar: where you are (member, cluster), where you can go (views),
// and whether the live stream is flowing.

import { link, self, status } from "../state/cluster.ts";
import { route, routeHash, type View } from "../state/route.ts";
import { cycleTheme, theme } from "../state/theme.ts";
import { active as activeWatch, total as watchTotal } from "../state/watch_panel.ts";
import { openHelp } from "./Help.tsx";
import { Contrast, Keyboard, Logo, Moon, Sun } from "./icons.tsx";

const VIEWS: { view: View; label: string; key: string }[] = [
  { view: "cluster", label: "Cluster", key: "1" },
  { view: "keys", label: "Keys", key: "2" },
  { view: "watch", label: "Watch", key: "3" },
];

export function Header() {
  const s = status.value;
  return (
    <header class="topbar">
      <div class="brand">
        <Logo />
        <span class="brand-name">etcd</span>
        {s && <span class="chip mono" title="Cluster ID">{s.clusterId}</span>}
      </div>
      <nav class="tabs" aria-label="Views">
        {VIEWS.map((v) => (
          <a
            key={v.view}
            href={routeHash({ view: v.view, path: "/" })}
            class={`tab ${route.value.view === v.view ? "active" : ""}`}
            aria-current={route.value.view === v.view ? "page" : undefined}
            aria-keyshortcuts={v.key}
            onClick={(e) => {
              // Keys keeps its selection when you come back to it.
              if (v.view === "keys") {
                e.preventDefault();
                location.hash = routeHash({ view: "keys", path: route.value.view === "keys" ? route.value.path : lastKeysPath });
              }
            }}
          >
            {v.label}
            {v.view === "watch" && activeWatch.value && <span class="tab-badge" title="Events seen by the running watch">{watchTotal.value}</span>}
          </a>
        ))}
      </nav>
      <div class="topbar-right">
        <LinkStatus />
        <button class="icon-btn" type="button" onClick={cycleTheme} title={`Theme: ${theme.value} (click to change)`} aria-label={`Theme: ${theme.value}`}>
          {theme.value === "light" ? <Sun /> : theme.value === "dark" ? <Moon /> : <Contrast />}
        </button>
        <button class="icon-btn" type="button" onClick={openHelp} title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts">
          <Keyboard />
        </button>
      </div>
    </header>
  );
}

/** The last path shown in the keys view, for coming back to it. */
let lastKeysPath = "/";
export function rememberKeysPath(p: string): void {
  lastKeysPath = p;
}

function LinkStatus() {
  const l = link.value;
  const me = self.value;
  const name = me?.name || status.value?.self.name || "member";
  const text = l === "live"
    ? `${name} · ${me?.state ?? "member"}`
    : l === "connecting"
    ? "Connecting…"
    : l === "stale"
    ? `${name} is silent`
    : l === "paused"
    ? "Paused while hidden"
    : "Reconnecting…";
  return (
    <span class={`link link-${l}`} role="status" data-test="link-status" title="The live stream from the member serving this page">
      <span class="dot" aria-hidden="true" />
      <span class="link-text">{text}</span>
    </span>
  );
}
