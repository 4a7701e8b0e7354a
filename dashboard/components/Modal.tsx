// A modal dialog on the native <dialog> element: focus stays inside, Escape
// and a click on the backdrop close it.

import type { ComponentChildren } from "preact";
import { useLayoutEffect, useRef } from "preact/hooks";
import { closeDialog, dialog } from "../state/ui.ts";
import { Close } from "./icons.tsx";

export function Modal({ title, children, onClose = closeDialog }: { title: string; children: ComponentChildren; onClose?: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const mounted = useRef(true);
  // A layout effect: the dialog is modal in the same frame it appears in, so
  // a key pressed right after the click that opened it reaches the dialog
  // (useEffect waited for the next frame: Escape went to the page instead).
  useLayoutEffect(() => {
    const d = ref.current!;
    const before = document.activeElement as HTMLElement | null;
    if (!d.open) d.showModal();
    return () => {
      // Our own close() below fires "close" later, maybe when another dialog is up.
      mounted.current = false;
      d.close();
      before?.focus?.();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class="modal"
      aria-label={title}
      // Escape is handled here rather than through the cancel event alone:
      // Chromium 156 skips cancel for a close request without fresh user
      // activation and closes the element behind the page's back.
      onKeyDown={(e) => {
        if (e.key !== "Escape") return;
        e.preventDefault();
        onClose();
      }}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      // However it was closed, the page's state follows.
      onClose={() => mounted.current && onClose()}
      onClick={(e) => {
        if (e.target === ref.current) onClose();
      }}
    >
      <div class="modal-head">
        <h2>{title}</h2>
        <button type="button" class="icon-btn" aria-label="Close" onClick={onClose}>
          <Close />
        </button>
      </div>
      <div class="modal-body">{children}</div>
    </dialog>
  );
}

export function DialogHost() {
  return dialog.value;
}
