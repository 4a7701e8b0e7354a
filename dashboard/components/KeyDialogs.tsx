// Dialogs of the keys view: create a key or directory, set a TTL, confirm a
// delete.

import { useState } from "preact/hooks";
import type { V2Node } from "../../shared/api.ts";
import { duration, plural } from "../lib/format.ts";
import { normalizePath } from "../lib/paths.ts";
import { serverNow } from "../state/clock.ts";
import { changeTtl, createNode, type NewKind, removeNode } from "../state/key_actions.ts";
import { childrenOf } from "../state/tree.ts";
import { closeDialog, openDialog } from "../state/ui.ts";
import { Modal } from "./Modal.tsx";

export function openNewNode(dir: string, kind: NewKind = "key", path?: string): void {
  openDialog(<NewNodeDialog dir={dir} initialKind={kind} initialPath={path} />);
}

export function openTtl(node: V2Node): void {
  openDialog(<TtlDialog node={node} />);
}

export function openDelete(node: V2Node): void {
  if (!node.key) return; // the root cannot be deleted
  openDialog(<DeleteDialog node={node} />);
}

/** Whole seconds left before `node` expires, or undefined when it does not. */
export function secondsLeft(node: V2Node): number | undefined {
  if (!node.expiration) return undefined;
  return Math.max(0, Math.ceil((Date.parse(node.expiration) - serverNow(Date.now())) / 1000));
}

/** A TTL field's text as etcd wants it: a whole number of seconds, or undefined for none. */
function parseTtl(text: string): number | undefined | "bad" {
  const t = text.trim();
  if (t === "") return undefined;
  const n = Number(t);
  return Number.isInteger(n) && n > 0 ? n : "bad";
}

function NewNodeDialog({ dir, initialKind, initialPath }: { dir: string; initialKind: NewKind; initialPath?: string }) {
  const [kind, setKind] = useState<NewKind>(initialKind);
  const [path, setPath] = useState(initialPath ?? (kind === "inorder" ? dir : dir === "/" ? "/" : `${dir}/`));
  const [value, setValue] = useState("");
  const [ttl, setTtl] = useState("");
  const [mustBeNew, setMustBeNew] = useState(true);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState("");

  // An in-order key is created *in* a directory; the others are named by their path.
  const choose = (k: NewKind) => {
    if (k === "inorder" && path.length > 1 && path.endsWith("/")) setPath(path.slice(0, -1));
    if (k !== "inorder" && kind === "inorder" && path === dir && dir !== "/") setPath(`${dir}/`);
    setKind(k);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const p = normalizePath(path);
    const t = parseTtl(ttl);
    if (t === "bad") return setProblem("TTL must be a whole number of seconds, more than 0.");
    if (p === "/" && kind !== "inorder") return setProblem("Give the new key a name.");
    setBusy(true);
    const ok = await createNode({ kind, path: p, value, ttl: t, mustBeNew });
    setBusy(false);
    if (ok) closeDialog();
  };

  return (
    <Modal title="New key or directory">
      <form class="form" onSubmit={submit}>
        <fieldset class="kinds">
          <legend>Create</legend>
          {([["key", "Key"], ["dir", "Directory"], ["inorder", "In-order key"]] as [NewKind, string][]).map(([k, label]) => (
            <label key={k} class="radio">
              <input type="radio" name="kind" checked={kind === k} onChange={() => choose(k)} />
              {label}
            </label>
          ))}
        </fieldset>
        <label class="field">
          <span>{kind === "inorder" ? "In directory" : "Path"}</span>
          <input
            class="mono"
            name="path"
            value={path}
            onInput={(e) => setPath(e.currentTarget.value)}
            autoFocus
            autoComplete="off"
            spellcheck={false}
            required
          />
          {kind === "inorder" && <small class="muted">etcd names the key after the next index, so keys sort in the order they were created.</small>}
        </label>
        {kind !== "dir" && (
          <label class="field">
            <span>Value</span>
            <textarea class="mono" name="value" rows={5} value={value} onInput={(e) => setValue(e.currentTarget.value)} spellcheck={false} />
          </label>
        )}
        <label class="field short">
          <span>TTL in seconds (optional)</span>
          <input name="ttl" inputMode="numeric" value={ttl} onInput={(e) => setTtl(e.currentTarget.value)} placeholder="never expires" />
        </label>
        {kind !== "inorder" && (
          <label class="check">
            <input type="checkbox" checked={mustBeNew} onChange={(e) => setMustBeNew(e.currentTarget.checked)} />
            Fail if it already exists
          </label>
        )}
        {problem && <p class="problem" role="alert">{problem}</p>}
        <div class="form-actions">
          <button type="button" class="btn" onClick={closeDialog}>Cancel</button>
          <button type="submit" class="btn primary" disabled={busy}>{busy ? "Creating…" : "Create"}</button>
        </div>
      </form>
    </Modal>
  );
}

function TtlDialog({ node }: { node: V2Node }) {
  const left = secondsLeft(node);
  const [ttl, setTtl] = useState(left !== undefined ? String(left) : "60");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState("");

  const apply = async (value: number | "") => {
    setBusy(true);
    const ok = await changeTtl(node, value);
    setBusy(false);
    if (ok) closeDialog();
  };

  return (
    <Modal title={`TTL of ${node.key}`}>
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          const t = parseTtl(ttl);
          if (t === undefined || t === "bad") return setProblem("TTL must be a whole number of seconds, more than 0.");
          void apply(t);
        }}
      >
        <p class="muted">
          {left === undefined ? "It never expires now." : `It expires in ${duration(left * 1000)}.`}{" "}
          {node.dir ? "When a directory expires, everything below it goes too." : "The value stays as it is."}
        </p>
        <label class="field short">
          <span>Expire after (seconds)</span>
          <input name="ttl" inputMode="numeric" value={ttl} onInput={(e) => setTtl(e.currentTarget.value)} autoFocus />
        </label>
        {problem && <p class="problem" role="alert">{problem}</p>}
        <div class="form-actions">
          {left !== undefined && (
            <button type="button" class="btn" disabled={busy} onClick={() => apply("")}>Remove TTL</button>
          )}
          <span class="spacer" />
          <button type="button" class="btn" onClick={closeDialog}>Cancel</button>
          <button type="submit" class="btn primary" disabled={busy}>Set TTL</button>
        </div>
      </form>
    </Modal>
  );
}

function DeleteDialog({ node }: { node: V2Node }) {
  const [busy, setBusy] = useState(false);
  const kids = node.dir ? childrenOf(node.key!).length : 0;
  return (
    <Modal title={node.dir ? "Delete directory" : "Delete key"}>
      <form
        class="form"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          const ok = await removeNode(node);
          setBusy(false);
          if (ok) closeDialog();
        }}
      >
        <p>
          Delete <code>{node.key}</code>
          {node.dir ? (kids ? <> and everything below it ({plural(kids, "entry", "entries")} at the top level)</> : " (it is empty)") : ""}? This cannot be undone.
        </p>
        <div class="form-actions">
          <button type="button" class="btn" onClick={closeDialog} autoFocus>Cancel</button>
          <button type="submit" class="btn danger" disabled={busy}>{busy ? "Deleting…" : "Delete"}</button>
        </div>
      </form>
    </Modal>
  );
}
