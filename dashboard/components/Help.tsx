// The keyboard shortcuts, on "?".

import { openDialog } from "../state/ui.ts";
import { Modal } from "./Modal.tsx";

const SHORTCUTS: [string, string][] = [
  ["1 · 2 · 3", "Cluster, Keys, Watch"],
  ["/", "Jump to a key path"],
  ["↑ ↓", "Move through the key tree"],
  ["→ ←", "Open or close a directory (or go to its parent)"],
  ["Enter", "Open or close the directory"],
  ["n", "New key in the selected directory"],
  ["e", "Edit the selected key's value"],
  ["t", "Set the TTL of the selected node"],
  ["Delete", "Delete the selected node"],
  ["w", "Watch the selected key or directory"],
  ["h", "Show or hide hidden (_) keys"],
  ["r", "Reload the key tree"],
  ["Ctrl+Enter", "Save while editing"],
  ["Esc", "Cancel editing, close a dialog"],
  ["?", "This list"],
];

export function openHelp(): void {
  openDialog(
    <Modal title="Keyboard shortcuts">
      <table class="shortcuts">
        <tbody>
          {SHORTCUTS.map(([k, what]) => (
            <tr key={k}>
              <td>
                <kbd>{k}</kbd>
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Modal>,
  );
}
