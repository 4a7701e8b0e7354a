// What the keys view's buttons do: write through the v2 API, show the
// result at once (the tree's watch confirms it moments later), and say what
// happened.

import type { V2Node } from "../../shared/api.ts";
import { createInOrder, deleteNode, ErrorCode, EtcdApiError, errorText, setNode } from "../api/keys.ts";
import { isHidden, parentOf } from "../lib/paths.ts";
import { toast } from "./toasts.ts";
import { applyNow, reveal, select, showHidden } from "./tree.ts";

export type NewKind = "key" | "dir" | "inorder";

export interface NewNode {
  kind: NewKind;
  /** The key or directory to create; for in-order keys, the directory to create it in. */
  path: string;
  value: string;
  ttl?: number;
  /** Refuse to overwrite an existing key (prevExist=false). */
  mustBeNew: boolean;
}

export async function createNode(n: NewNode): Promise<boolean> {
  try {
    const ev = n.kind === "inorder"
      ? await createInOrder(n.path, n.value, n.ttl)
      : await setNode(n.path, { value: n.value, dir: n.kind === "dir", ttl: n.ttl, prevExist: n.mustBeNew ? false : undefined });
    applyNow([ev]);
    const key = ev.node!.key!;
    if (isHidden(key)) showHidden.value = true;
    toast("ok", `${n.kind === "dir" ? "Created directory" : ev.action === "set" && ev.prevNode ? "Replaced" : "Created"} ${key}`);
    await reveal(key);
    return true;
  } catch (err) {
    toast("error", errorText(err));
    return false;
  }
}

export type SaveResult = "saved" | "conflict" | "failed";

/**
 * Saves a new value. Unless `force`, only if nobody changed the key since it
 * was loaded (compare-and-swap on its modifiedIndex). `ttl` undefined: no TTL.
 */
export async function saveValue(node: V2Node, value: string, ttl: number | undefined, force: boolean): Promise<SaveResult> {
  try {
    const ev = await setNode(node.key!, { value, ttl, prevIndex: force ? undefined : node.modifiedIndex });
    applyNow([ev]);
    toast("ok", `Saved ${node.key}`);
    return "saved";
  } catch (err) {
    if (err instanceof EtcdApiError && err.errorCode === ErrorCode.CompareFailed) return "conflict";
    toast("error", errorText(err));
    return "failed";
  }
}

/** Sets (seconds) or removes ("") the TTL of a key or directory, keeping a key's value. */
export async function changeTtl(node: V2Node, ttl: number | ""): Promise<boolean> {
  try {
    const ev = node.dir
      ? await setNode(node.key!, { dir: true, ttl, prevExist: true })
      : await setNode(node.key!, { value: node.value ?? "", ttl, prevIndex: node.modifiedIndex });
    applyNow([ev]);
    toast("ok", ttl === "" ? `${node.key} no longer expires` : `${node.key} expires in ${ttl}s`);
    await select(node.key!);
    return true;
  } catch (err) {
    const changed = err instanceof EtcdApiError && err.errorCode === ErrorCode.CompareFailed;
    toast("error", changed ? `${node.key} changed meanwhile; look at the new value and try again` : errorText(err));
    if (changed) await select(node.key!);
    return false;
  }
}

export async function removeNode(node: V2Node): Promise<boolean> {
  try {
    const ev = await deleteNode(node.key!, node);
    applyNow([ev]);
    toast("ok", `Deleted ${node.key}`);
    await select(parentOf(node.key!));
    return true;
  } catch (err) {
    toast("error", errorText(err));
    return false;
  }
}
