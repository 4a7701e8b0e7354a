// Page-level UI state that several components share: the open dialog, the
// key being edited, requests to focus the path box.

import { signal } from "@preact/signals";
import type { JSX } from "preact";

/** The dialog on screen, if any (rendered by <DialogHost>). */
export const dialog = signal<JSX.Element | null>(null);

/** Whether the selected key's value is being edited in place. */
export const editing = signal(false);

/** Bumped to ask the keys view to focus its path box. */
export const jumpFocus = signal(0);

export function openDialog(el: JSX.Element): void {
  dialog.value = el;
}

export function closeDialog(): void {
  dialog.value = null;
}
