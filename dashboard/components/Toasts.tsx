// Notices in the corner, read out by screen readers as they come.

import { dismiss, toasts } from "../state/toasts.ts";
import { Close } from "./icons.tsx";

export function Toasts() {
  return (
    <div class="toasts" role="status" aria-live="polite">
      {toasts.value.map((t) => (
        <div key={t.id} class={`toast toast-${t.kind}`} data-test="toast">
          <span>{t.text}</span>
          <button type="button" class="icon-btn" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
            <Close size={14} />
          </button>
        </div>
      ))}
    </div>
  );
}
