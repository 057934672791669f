// The editor page: CodeMirror (static/vendor/codemirror/editor.bundle.js), Ctrl/Cmd+S to save, an
// unsaved-changes marker and a warning before leaving, Reset to saved, export of the saved file or
// of the buffer, and read-only while the strategy runs: the status events switch it live.

import { createEditor } from "../../vendor/codemirror/editor.bundle.js";
import { postJSON } from "../http.js";
import { confirmAction, toast } from "../ui.js";
import { followStatuses } from "./status-feed.js";
import { urls } from "./urls.js";

const state = JSON.parse(document.getElementById("editor-state").textContent);
let entry = state.entry;
let deleted = false;
const parts = {
  banner: document.querySelector("[data-readonly-banner]"),
  bannerText: document.querySelector("[data-readonly-text]"),
  stop: document.querySelector("[data-stop]"),
  save: document.querySelector("[data-save]"),
  reset: document.querySelector("[data-reset]"),
  dirty: document.querySelector("[data-dirty-marker]"),
  exportBuffer: document.querySelector("[data-export-buffer]"),
  error: document.querySelector("[data-editor-error]"),
  badge: document.querySelector("[data-status-badge]"),
};
const baseTitle = document.title;

const editable = () => !deleted && Boolean(entry.actions && entry.actions.edit);

const editor = createEditor(document.querySelector("[data-editor]"), {
  doc: state.content,
  readOnly: !editable(),
  ariaLabel: `Source of ${entry.name}`,
  onSave: save,
  onReadOnlySave: () => toast(deleted ? "This strategy was deleted." : `The strategy is ${entry.status}: stop it before saving.`, "warning"),
  onDirtyChange: showDirty,
});

function showDirty(dirty) {
  parts.dirty.dataset.dirty = String(dirty);
  parts.dirty.textContent = dirty ? "Unsaved changes" : "Saved";
  document.title = dirty ? `• ${baseTitle}` : baseTitle;
}

function showError(message) {
  parts.error.textContent = message || "";
  parts.error.hidden = !message;
}

function showEntry(next) {
  entry = next;
  const canEdit = editable();
  editor.setReadOnly(!canEdit);
  parts.save.disabled = !canEdit;
  parts.banner.hidden = canEdit;
  parts.bannerText.textContent = deleted
    ? "This strategy was deleted: nothing can be saved. Export the editor contents to keep them."
    : `The strategy is ${entry.status}: the editor is read-only. Stop it to edit the script.`;
  parts.stop.hidden = deleted || !(entry.actions && entry.actions.stop);
  parts.badge.className = `badge ${entry.badge || entry.status}`;
  parts.badge.textContent = deleted ? "deleted" : entry.badge || entry.status;
}

async function save() {
  if (!editable()) return;
  const content = editor.getValue();
  parts.save.disabled = true;
  try {
    const body = await postJSON(urls.save(entry.id), { content });
    editor.markSaved(content);
    editor.clearError();
    showError("");
    toast(body.message || "Saved.", "success");
  } catch (error) {
    const data = error.data || {};
    if (error.status === 400 && data.line) {
      editor.showError(data.line, data.column || 1, data.error || error.message);
      showError(error.message);
    } else {
      showError(error.message);
      toast(error.message, "error", 8000);
    }
  } finally {
    parts.save.disabled = !editable();
  }
}

parts.save.addEventListener("click", save);

parts.reset.addEventListener("click", async () => {
  if (editor.isDirty() && !(await confirmAction("Discard your unsaved changes and go back to the saved file?", {
    confirmLabel: "Discard changes", danger: true,
  }))) return;
  editor.resetToSaved();
  editor.clearError();
  showError("");
  editor.focus();
});

parts.exportBuffer.addEventListener("click", () => {
  const blob = new Blob([editor.getValue()], { type: "text/x-python" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = entry.file_name || "strategy.py";
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(link.href), 10000);
});

parts.stop.addEventListener("click", async () => {
  const ok = await confirmAction(`Stop “${entry.name}”? The host sends it ${entry.stop_signal || "its stop signal"}.`, {
    confirmLabel: "Stop strategy", danger: true,
  });
  if (!ok) return;
  try {
    const body = await postJSON(urls.stop(entry.id));
    toast(body.message || "Stopping.", "success");
  } catch (error) {
    toast(error.message, "error", 8000);
  }
});

window.addEventListener("beforeunload", (event) => {
  if (!editor.isDirty()) return;
  event.preventDefault();
  event.returnValue = "";  // the browser shows its own "leave site?" question
});

followStatuses({
  onSnapshot(board) {
    const fresh = board.strategies.find((item) => item.id === entry.id);
    if (fresh) showEntry(fresh);
    else { deleted = true; showEntry(entry); }
  },
  onChange(fresh) { if (fresh.id === entry.id) showEntry(fresh); },
  onDelete(id) { if (id === entry.id) { deleted = true; showEntry(entry); } },
});

showEntry(entry);
showDirty(false);
document.documentElement.dataset.editorReady = "true";
