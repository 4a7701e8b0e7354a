// The selected key or directory: where it is, its value, its indexes and
// TTL (counting down), and what you can do with it.

import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { V2Node } from "../../shared/api.ts";
import { bytes, count, dateTime, duration, utf8Length } from "../lib/format.ts";
import { ancestry, isHidden, nameOf } from "../lib/paths.ts";
import { now, serverNow } from "../state/clock.ts";
import { saveValue } from "../state/key_actions.ts";
import { navigate } from "../state/route.ts";
import { toast } from "../state/toasts.ts";
import { childrenOf, detail, reveal, select } from "../state/tree.ts";
import { editing } from "../state/ui.ts";
import { watchPath } from "../state/watch_panel.ts";
import { openDelete, openNewNode, openTtl, secondsLeft } from "./KeyDialogs.tsx";
import { Clock, Copy, Pencil, Plus, Radio, Trash } from "./icons.tsx";

/** Characters of a value shown before "show all". */
const VALUE_PREVIEW = 64 * 1024;
/** Entries per page in a directory's table. */
const DIR_PAGE = 50;

export function NodeDetail() {
  const d = detail.value;
  useEffect(() => {
    editing.value = false;
  }, [d.path]);

  if (d.error && !d.node) {
    return (
      <div class="detail" data-test="detail">
        <Crumbs path={d.path} />
        <div class="empty-state">
          <p>{d.notFound ? <>No key at <code>{d.path}</code>.</> : d.error}</p>
          {d.notFound
            ? <button type="button" class="btn primary" onClick={() => openNewNode(d.path, "key", d.path)}>Create it</button>
            : <button type="button" class="btn" onClick={() => select(d.path)}>Try again</button>}
        </div>
      </div>
    );
  }
  if (!d.node) {
    return (
      <div class="detail" data-test="detail">
        <Crumbs path={d.path} />
        <p class="muted">Loading…</p>
      </div>
    );
  }
  const node: V2Node = { ...d.node, key: d.path === "/" ? undefined : d.path };
  return (
    <div class={`detail ${d.gone ? "gone" : ""}`} data-test="detail">
      <Crumbs path={d.path} />
      {d.gone && (
        <div class="banner warn inline" role="status">
          {d.gone.action === "expire" ? "This expired" : "This was deleted"}
          {d.gone.index ? ` at index ${count(d.gone.index)}` : ""}.{" "}
          <button type="button" class="link-btn" onClick={() => openNewNode(d.path, node.dir ? "dir" : "key", d.path)}>Create it again</button>
        </div>
      )}
      <div class="detail-head">
        <h2 class="detail-title mono">
          {node.dir ? "Directory " : ""}
          <span>{d.path === "/" ? "/" : nameOf(d.path)}</span>
          {isHidden(d.path) && <span class="chip small" title="Names starting with _ are left out of listings">hidden</span>}
        </h2>
        {!d.gone && <Actions node={node} />}
      </div>
      {d.path !== "/" && <Meta node={node} />}
      {node.dir ? <DirChildren path={d.path} /> : editing.value ? <Editor node={node} /> : <ValueView value={node.value ?? ""} />}
    </div>
  );
}

function Crumbs({ path }: { path: string }) {
  const chain = ancestry(path);
  return (
    <nav class="crumbs mono" aria-label="Path">
      {chain.map((p, i) => (
        <span key={p}>
          {i > 1 && <span class="sep">/</span>}
          {i === chain.length - 1
            ? <span aria-current="location">{p === "/" ? "/" : nameOf(p)}</span>
            : <button type="button" class="crumb" onClick={() => reveal(p)}>{p === "/" ? "/" : nameOf(p)}</button>}
        </span>
      ))}
    </nav>
  );
}

function Actions({ node }: { node: V2Node }) {
  const root = !node.key;
  const path = node.key ?? "/";
  return (
    <div class="actions">
      {node.dir && (
        <>
          <button type="button" class="btn primary" onClick={() => openNewNode(path, "key")} aria-keyshortcuts="n">
            <Plus /> New key
          </button>
          <button type="button" class="btn" onClick={() => openNewNode(path, "dir")}>
            <Plus /> Directory
          </button>
        </>
      )}
      {!node.dir && (
        <button type="button" class="btn primary" onClick={() => (editing.value = true)} aria-keyshortcuts="e" data-test="edit">
          <Pencil /> Edit
        </button>
      )}
      {!root && (
        <button type="button" class="btn" onClick={() => openTtl(node)} aria-keyshortcuts="t">
          <Clock /> TTL
        </button>
      )}
      <button
        type="button"
        class="btn"
        onClick={() => {
          watchPath(path, !!node.dir);
          navigate("watch");
        }}
        aria-keyshortcuts="w"
        title={node.dir ? "Watch everything below this directory" : "Watch this key"}
      >
        <Radio /> Watch
      </button>
      {!root && (
        <button type="button" class="btn danger-ghost" onClick={() => openDelete(node)} aria-keyshortcuts="Delete">
          <Trash /> Delete
        </button>
      )}
    </div>
  );
}

function Meta({ node }: { node: V2Node }) {
  const left = node.expiration ? Date.parse(node.expiration) - serverNow(now.value) : undefined;
  return (
    <dl class="meta" data-test="meta">
      <div>
        <dt>Created index</dt>
        <dd class="mono">{node.createdIndex !== undefined ? count(node.createdIndex) : "—"}</dd>
      </div>
      <div>
        <dt>Modified index</dt>
        <dd class="mono">{node.modifiedIndex !== undefined ? count(node.modifiedIndex) : "—"}</dd>
      </div>
      <div>
        <dt>TTL</dt>
        <dd data-test="ttl" class={left !== undefined && left < 10_000 ? "warn-text" : ""}>
          {left === undefined ? <span class="muted">never expires</span> : left > 0 ? duration(left + 999) : "expiring…"}
        </dd>
      </div>
      <div>
        <dt>Expires at</dt>
        <dd>{node.expiration ? dateTime(Date.parse(node.expiration)) : <span class="muted">—</span>}</dd>
      </div>
      {!node.dir && (
        <div>
          <dt>Size</dt>
          <dd>{bytes(utf8Length(node.value ?? ""))}</dd>
        </div>
      )}
    </dl>
  );
}

function ValueView({ value }: { value: string }) {
  const [all, setAll] = useState(false);
  const [pretty, setPretty] = useState(true);
  const json = useMemo(() => parseJson(value), [value]);
  const text = json !== undefined && pretty ? JSON.stringify(json, null, 2) : value;
  const cut = !all && text.length > VALUE_PREVIEW;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      toast("ok", "Value copied");
    } catch {
      toast("error", "The browser did not allow copying");
    }
  };
  return (
    <div class="value-box">
      <div class="value-tools">
        <span class="muted">Value</span>
        {json !== undefined && (
          <label class="check small">
            <input type="checkbox" checked={pretty} onChange={(e) => setPretty(e.currentTarget.checked)} />
            formatted JSON
          </label>
        )}
        <span class="spacer" />
        <button type="button" class="icon-btn" onClick={copy} title="Copy value" aria-label="Copy value">
          <Copy />
        </button>
      </div>
      {value === "" ? <pre class="value muted" data-test="value">(empty)</pre> : <pre class="value" data-test="value">{cut ? text.slice(0, VALUE_PREVIEW) : text}</pre>}
      {cut && (
        <button type="button" class="link-btn" onClick={() => setAll(true)}>
          Showing the first {bytes(VALUE_PREVIEW)}; show all {bytes(utf8Length(text))}
        </button>
      )}
    </div>
  );
}

function Editor({ node }: { node: V2Node }) {
  const [value, setValue] = useState(node.value ?? "");
  const left = secondsLeft(node);
  const [ttl, setTtl] = useState(left !== undefined ? String(left) : "");
  const [conflict, setConflict] = useState(false);
  const [busy, setBusy] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => area.current?.focus(), []);

  const save = async (force: boolean) => {
    const t = ttl.trim() === "" ? undefined : Number(ttl);
    if (t !== undefined && !(Number.isInteger(t) && t > 0)) {
      toast("error", "TTL must be a whole number of seconds, more than 0 (or empty for none)");
      return;
    }
    setBusy(true);
    const r = await saveValue(node, value, t, force);
    setBusy(false);
    if (r === "saved") editing.value = false;
    if (r === "conflict") setConflict(true);
  };

  return (
    <form
      class="editor"
      onSubmit={(e) => {
        e.preventDefault();
        void save(false);
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          editing.value = false;
        } else if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          void save(false);
        }
      }}
    >
      <textarea
        ref={area}
        class="mono value-edit"
        aria-label="Value"
        value={value}
        onInput={(e) => setValue(e.currentTarget.value)}
        spellcheck={false}
        rows={Math.min(24, Math.max(6, value.split("\n").length + 1))}
      />
      <div class="editor-bar">
        <label class="field inline">
          <span>TTL (s)</span>
          <input inputMode="numeric" value={ttl} onInput={(e) => setTtl(e.currentTarget.value)} placeholder="none" size={8} />
        </label>
        <span class="muted small">Ctrl+Enter saves · Esc cancels</span>
        <span class="spacer" />
        <button type="button" class="btn" onClick={() => (editing.value = false)}>Cancel</button>
        <button type="submit" class="btn primary" disabled={busy}>{busy ? "Saving…" : "Save"}</button>
      </div>
      {conflict && (
        <div class="banner warn inline" role="alert">
          Someone changed this key after you opened it.{" "}
          <button type="button" class="link-btn" onClick={() => select(node.key!)}>Load their value</button> or{" "}
          <button type="button" class="link-btn" onClick={() => save(true)}>overwrite it</button>.
        </div>
      )}
    </form>
  );
}

function DirChildren({ path }: { path: string }) {
  const [filter, setFilter] = useState("");
  const [page, setPage] = useState(0);
  useEffect(() => {
    setPage(0);
    setFilter("");
  }, [path]);
  const all = childrenOf(path);
  const f = filter.trim().toLowerCase();
  const kids = f ? all.filter((n) => nameOf(n.key!).toLowerCase().includes(f)) : all;
  const pages = Math.max(1, Math.ceil(kids.length / DIR_PAGE));
  const p = Math.min(page, pages - 1);
  const shown = kids.slice(p * DIR_PAGE, (p + 1) * DIR_PAGE);
  return (
    <div class="dir-children">
      <div class="dir-tools">
        <input
          type="search"
          class="filter"
          placeholder={`Filter ${count(all.length)} entries`}
          aria-label="Filter entries"
          value={filter}
          onInput={(e) => {
            setFilter(e.currentTarget.value);
            setPage(0);
          }}
        />
        <span class="spacer" />
        {kids.length > DIR_PAGE && (
          <div class="pager">
            <button type="button" class="btn small" disabled={p === 0} onClick={() => setPage(p - 1)} aria-label="Previous page">‹</button>
            <span class="muted">
              {count(p * DIR_PAGE + 1)}–{count(Math.min(kids.length, (p + 1) * DIR_PAGE))} of {count(kids.length)}
            </span>
            <button type="button" class="btn small" disabled={p >= pages - 1} onClick={() => setPage(p + 1)} aria-label="Next page">›</button>
          </div>
        )}
      </div>
      {kids.length === 0
        ? <p class="muted empty">{all.length ? "Nothing matches the filter." : "This directory is empty."}</p>
        : (
          <table class="children">
            <thead>
              <tr>
                <th>Name</th>
                <th>Value</th>
                <th class="num">Modified</th>
                <th class="num">TTL</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((n) => (
                <tr key={n.key} class={isHidden(n.key!) ? "hidden-key" : ""}>
                  <td class="mono">
                    <button type="button" class="crumb" onClick={() => reveal(n.key!)}>
                      {nameOf(n.key!)}
                      {n.dir ? "/" : ""}
                    </button>
                  </td>
                  <td class="mono clip">{n.dir ? <span class="muted">directory</span> : (n.value ?? "").slice(0, 200)}</td>
                  <td class="num mono">{n.modifiedIndex !== undefined ? count(n.modifiedIndex) : ""}</td>
                  <td class="num">{n.expiration ? duration(Math.max(0, Date.parse(n.expiration) - serverNow(now.value)) + 999) : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </div>
  );
}

function parseJson(v: string): unknown {
  const t = v.trimStart();
  if (!(t.startsWith("{") || t.startsWith("[")) || v.length > 2_000_000) return undefined;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}
