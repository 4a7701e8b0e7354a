// The page: top bar, trouble banners, the current view, and the global
// keyboard shortcuts.

import { useEffect } from "preact/hooks";
import { Banners } from "./components/Banners.tsx";
import { ClusterView } from "./components/ClusterView.tsx";
import { Header } from "./components/Header.tsx";
import { openHelp } from "./components/Help.tsx";
import { openDelete, openNewNode, openTtl } from "./components/KeyDialogs.tsx";
import { KeysView } from "./components/KeysView.tsx";
import { DialogHost } from "./components/Modal.tsx";
import { Toasts } from "./components/Toasts.tsx";
import { WatchView } from "./components/WatchView.tsx";
import { parentOf } from "./lib/paths.ts";
import { navigate, route } from "./state/route.ts";
import { detail, reloadAll, showHidden } from "./state/tree.ts";
import { dialog, editing, jumpFocus } from "./state/ui.ts";
import { watchPath } from "./state/watch_panel.ts";

export function App() {
  useEffect(() => {
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);
  const view = route.value.view;
  return (
    <div class="app">
      <Header />
      <Banners />
      <main class="main" id="main">
        {view === "cluster" ? <ClusterView /> : view === "keys" ? <KeysView /> : <WatchView />}
      </main>
      <Toasts />
      <DialogHost />
    </div>
  );
}

function typing(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
}

function onKey(e: KeyboardEvent): void {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || dialog.value || typing(e.target)) return;
  const inKeys = route.value.view === "keys";
  const d = detail.value;
  const node = d.node && !d.gone ? { ...d.node, key: d.path === "/" ? undefined : d.path } : null;
  switch (e.key) {
    case "1":
      navigate("cluster");
      break;
    case "2":
      navigate("keys", d.path);
      break;
    case "3":
      navigate("watch");
      break;
    case "/":
      if (inKeys) jumpFocus.value++;
      else {
        navigate("keys", d.path);
        setTimeout(() => jumpFocus.value++, 50); // once the keys view is there
      }
      break;
    case "?":
      openHelp();
      break;
    case "n":
      if (!inKeys) return;
      openNewNode(node?.dir ? d.path : parentOf(d.path));
      break;
    case "e":
      if (!inKeys || !node || node.dir) return;
      editing.value = true;
      break;
    case "t":
      if (!inKeys || !node?.key) return;
      openTtl(node);
      break;
    case "Delete":
      if (!inKeys || !node?.key) return;
      openDelete(node);
      break;
    case "w":
      if (!inKeys) return;
      watchPath(d.path, !node || !!node.dir);
      navigate("watch");
      break;
    case "h":
      if (!inKeys) return;
      showHidden.value = !showHidden.value;
      break;
    case "r":
      if (!inKeys) return;
      void reloadAll();
      break;
    default:
      return;
  }
  e.preventDefault();
}
