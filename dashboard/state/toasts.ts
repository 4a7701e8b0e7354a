// Short notices in a corner: what just happened, or what went wrong.

import { signal } from "@preact/signals";

export interface Toast {
  id: number;
  kind: "ok" | "error" | "info";
  text: string;
}

export const toasts = signal<Toast[]>([]);

let seq = 0;

export function toast(kind: Toast["kind"], text: string): void {
  const id = ++seq;
  toasts.value = [...toasts.value.slice(-3), { id, kind, text }];
  setTimeout(() => dismiss(id), kind === "error" ? 8000 : 4000);
}

export function dismiss(id: number): void {
  toasts.value = toasts.value.filter((t) => t.id !== id);
}
