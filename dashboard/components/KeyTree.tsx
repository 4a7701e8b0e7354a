// The directory tree: directories open lazily, the arrow keys move the
// selection, and big directories show their first entries with "show more".

import { useEffect, useRef } from "preact/hooks";
import type { V2Node } from "../../shared/api.ts";
import { count } from "../lib/format.ts";
import { nameOf, parentOf } from "../lib/paths.ts";
import { collapse, detail, expand, rows, select, showMore, toggle, type TreeRow } from "../state/tree.ts";
import { openDelete } from "./KeyDialogs.tsx";
import { Chevron, Clock, FileKey, Folder, FolderOpen } from "./icons.tsx";

type NodeRow = Extract<TreeRow, { kind: "node" }>;

export function KeyTree() {
  const box = useRef<HTMLDivElement>(null);
  const list = rows.value;
  const current = detail.value.path;

  // Keep the focused row in view and focused when the selection moves by keyboard.
  useEffect(() => {
    const el = box.current?.querySelector<HTMLElement>(`[data-path="${cssEscape(current)}"]`);
    if (!el) return;
    el.scrollIntoView({ block: "nearest" });
    if (box.current!.contains(document.activeElement) && document.activeElement !== el) el.focus();
  }, [current, list]);

  const at = list.findIndex((r) => r.kind === "node" && r.path === current);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    // Read the state as it is now: keys can arrive faster than renders.
    const nodes = rows.peek().filter((r): r is NodeRow => r.kind === "node");
    const at = nodes.findIndex((r) => r.path === detail.peek().path);
    const row = nodes[at];
    const go = (r: NodeRow | undefined) => {
      if (r) void select(r.path);
    };
    switch (e.key) {
      case "ArrowDown":
        go(nodes[Math.min(nodes.length - 1, at + 1)]);
        break;
      case "ArrowUp":
        go(nodes[Math.max(0, at - 1)]);
        break;
      case "Home":
        go(nodes[0]);
        break;
      case "End":
        go(nodes[nodes.length - 1]);
        break;
      case "ArrowRight":
        if (!row?.node.dir) return;
        if (!row.open) expand(row.path);
        else go(nodes[at + 1]?.depth > row.depth ? nodes[at + 1] : undefined);
        break;
      case "ArrowLeft":
        if (row?.node.dir && row.open && row.path !== "/") collapse(row.path);
        else if (row && row.path !== "/") go(nodes.find((r) => r.path === parentOf(row.path)));
        break;
      case "Enter":
      case " ":
        if (row?.node.dir) toggle(row.path);
        break;
      case "Delete":
      case "Backspace":
        if (row && row.path !== "/") openDelete({ ...row.node, key: row.path });
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  return (
    <div class="tree" role="tree" aria-label="Keys" ref={box} onKeyDown={onKeyDown} data-test="tree">
      {list.map((r) => {
        if (r.kind === "node") return <Row key={r.path} row={r} selected={r.path === current} focusable={r.path === current || (at < 0 && r.path === "/")} />;
        if (r.kind === "more") {
          return (
            <div key={`more:${r.dir}`} class="tree-more" style={{ paddingLeft: indent(r.depth) }}>
              <button type="button" class="link-btn" onClick={() => showMore(r.dir)}>
                {count(r.remaining)} more — show 500 more
              </button>
            </div>
          );
        }
        return <div key={`note:${r.dir}:${r.text}`} class="tree-note muted" style={{ paddingLeft: indent(r.depth) }}>{r.text}</div>;
      })}
    </div>
  );
}

function Row({ row, selected, focusable }: { row: NodeRow; selected: boolean; focusable: boolean }) {
  const n = row.node;
  const dir = !!n.dir;
  return (
    <div
      role="treeitem"
      class={`tree-row ${selected ? "selected" : ""} ${row.hidden ? "hidden-key" : ""}`}
      aria-level={row.depth + 1}
      aria-expanded={dir ? row.open : undefined}
      aria-selected={selected}
      tabIndex={focusable ? 0 : -1}
      data-path={row.path}
      style={{ paddingLeft: indent(row.depth) }}
      onClick={() => {
        void select(row.path);
        if (dir && !row.open) expand(row.path);
      }}
    >
      <span
        class={`caret ${dir ? "" : "none"} ${row.open ? "open" : ""}`}
        onClick={(e) => {
          if (!dir) return;
          e.stopPropagation();
          toggle(row.path);
        }}
      >
        {dir && <Chevron size={14} />}
      </span>
      {dir ? row.open ? <FolderOpen class="ic-dir" /> : <Folder class="ic-dir" /> : <FileKey class="ic-key" />}
      <span class="tree-name">{row.path === "/" ? "/" : nameOf(row.path)}</span>
      {n.ttl !== undefined && <Clock size={13} class="ic-ttl" title={`expires in about ${n.ttl}s`} />}
      {!dir && <Preview node={n} />}
    </div>
  );
}

function Preview({ node }: { node: V2Node }) {
  const v = node.value ?? "";
  return <span class="tree-value">{v.length > 80 ? `${v.slice(0, 80)}…` : v}</span>;
}

function indent(depth: number): string {
  return `${0.5 + depth * 1.1}rem`;
}

function cssEscape(s: string): string {
  return s.replace(/["\\]/g, "\\$&");
}
