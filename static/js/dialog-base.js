// What every /python dialog shares: open as a modal, Close buttons, focus back to the opener.

export function modal(dialog, { onClose = () => {} } = {}) {
  let opener = null;
  dialog.querySelectorAll("[data-close]").forEach((button) => button.addEventListener("click", () => dialog.close()));
  dialog.addEventListener("close", () => {
    onClose();
    if (opener && opener.isConnected && typeof opener.focus === "function") opener.focus();
    opener = null;
  });
  return {
    show(focusTarget) {
      opener = document.activeElement;
      if (!dialog.open) dialog.showModal();
      if (focusTarget) focusTarget.focus();
    },
    close() { if (dialog.open) dialog.close(); },
    isOpen: () => dialog.open,
  };
}

/** A form's general error line (for messages that belong to no single field). */
export function formError(root, message) {
  const line = root.querySelector("[data-form-error]");
  if (line) line.textContent = message || "";
}
