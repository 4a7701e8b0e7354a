// The keys browser: a path box and toolbar, the tree, and the selected node.

import { useEffect, useRef, useState } from "preact/hooks";
import { normalizePath, parentOf } from "../lib/paths.ts";
import { reconnections } from "../state/cluster.ts";
import { route } from "../state/route.ts";
import { detail, endLive, liveStatus, reloadAll, reveal, showHidden, startLive } from "../state/tree.ts";
import { jumpFocus } from "../state/ui.ts";
import { pageActive } from "../state/visibility.ts";
import { rememberKeysPath } from "./Header.tsx";
import { openNewNode } from "./KeyDialogs.tsx";
import { KeyTree } from "./KeyTree.tsx";
import { NodeDetail } from "./NodeDetail.tsx";
import { Eye, Plus, Refresh } from "./icons.tsx";

const LIVE_TEXT = { connecting: "connecting", live: "live", retrying: "reconnecting", failed: "not live", stopped: "paused" } as const;

export function KeysView() {
  const jump = useRef<HTMLInputElement>(null);
  const [path, setPath] = useState(route.value.path);
  const wanted = route.value.path;

  // Live updates while the view is open and the tab is looked at.
  const active = pageActive.value;
  useEffect(() => {
    if (!active) return;
    startLive();
    return endLive;
  }, [active]);

  // Follow the URL: links, the back button, a typed hash. Selecting in the
  // tree changes the URL too; those changes are already shown.
  const mounted = useRef(false);
  useEffect(() => {
    if (wanted !== route.peek().path) return; // superseded before this ran
    const first = !mounted.current;
    mounted.current = true;
    rememberKeysPath(wanted);
    setPath(wanted);
    if (first || wanted !== detail.peek().path) void reveal(wanted);
  }, [wanted]);

  const seen = useRef(reconnections.value);
  useEffect(() => {
    if (reconnections.value !== seen.current) {
      seen.current = reconnections.value;
      void reloadAll();
    }
  }, [reconnections.value]);

  // Only a request made while the view is open moves the focus (not an old one).
  const asked = useRef(jumpFocus.peek());
  useEffect(() => {
    if (jumpFocus.value === asked.current) return;
    asked.current = jumpFocus.value;
    jump.current?.focus();
    jump.current?.select();
  }, [jumpFocus.value]);

  const live = liveStatus.value;
  const dir = detail.value.node?.dir ? detail.value.path : parentOf(detail.value.path);
  return (
    <div class="keys-view" data-test="keys-view">
      <div class="toolbar">
        <form
          class="jump"
          onSubmit={(e) => {
            e.preventDefault();
            const p = normalizePath(path);
            setPath(p);
            // Then hand the keyboard to the tree, where the shortcuts and arrow keys work.
            jump.current?.blur();
            void reveal(p).then(() => focusRow(p));
          }}
        >
          <input
            ref={jump}
            id="jump"
            class="mono"
            value={path}
            onInput={(e) => setPath(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") (e.currentTarget as HTMLInputElement).blur();
            }}
            placeholder="/path/to/key"
            aria-label="Jump to path"
            aria-keyshortcuts="/"
            autoComplete="off"
            spellcheck={false}
          />
          <button type="submit" class="btn">Go</button>
        </form>
        <label class="toggle" title="etcd leaves names starting with _ out of listings; this shows the ones this page has come across">
          <input type="checkbox" checked={showHidden.value} onChange={(e) => (showHidden.value = e.currentTarget.checked)} />
          <Eye size={15} /> hidden keys
        </label>
        <span class="spacer" />
        <span class={`live live-${live.state}`} title={live.message ?? "Changes made anywhere in the cluster show up here as they happen"}>
          <span class="dot" aria-hidden="true" />
          {LIVE_TEXT[live.state]}
        </span>
        <button type="button" class="icon-btn" onClick={() => reloadAll()} title="Reload (r)" aria-label="Reload">
          <Refresh />
        </button>
        <button type="button" class="btn primary" onClick={() => openNewNode(dir)} aria-keyshortcuts="n" data-test="new-key">
          <Plus /> New
        </button>
      </div>
      <div class="keys-body">
        <div class="tree-pane">
          <KeyTree />
        </div>
        <div class="detail-pane">
          <NodeDetail />
        </div>
      </div>
    </div>
  );
}


function focusRow(path: string): void {
  const row = [...document.querySelectorAll<HTMLElement>("[role=treeitem]")].find((el) => el.dataset.path === path);
  row?.focus();
}
