// A modal dialog on the native <dialog> element: focus stays inside, Escape
// and a click on the backdrop close it.

import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { closeDialog, dialog } from "../state/ui.ts";
import { Close } from "./icons.tsx";

export function Modal({ title, children, onClose = closeDialog }: { title: string; children: ComponentChildren; onClose?: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current!;
    const before = document.activeElement as HTMLElement | null;
    if (!d.open) d.showModal();
    return () => {
      d.close();
      before?.focus?.();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class="modal"
      aria-label={title}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
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
