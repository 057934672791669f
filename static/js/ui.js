// Small UI helpers shared by pages: toasts, confirmation dialogs, text escaping.

export function escapeHtml(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function toastRegion() {
  let region = document.querySelector(".toasts");
  if (!region) {
    region = document.createElement("div");
    region.className = "toasts";
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    document.body.appendChild(region);
  }
  return region;
}

export function toast(message, kind = "info", timeoutMs = 5000) {
  const item = document.createElement("div");
  item.className = `flash flash-${kind}`;
  item.textContent = message;
  toastRegion().appendChild(item);
  window.setTimeout(() => item.remove(), timeoutMs);
}

// A promise-based confirmation built on <dialog>: Esc cancels, focus returns to the opener.
export function confirmAction(message, { confirmLabel = "Confirm", danger = false } = {}) {
  return new Promise((resolve) => {
    const dialog = document.createElement("dialog");
    dialog.className = "dialog confirm-dialog";
    dialog.innerHTML = `<form method="dialog"><p class="confirm-message"></p>
      <div class="dialog-actions"><button value="cancel" class="button">Cancel</button>
      <button value="ok" class="button ${danger ? "danger" : "primary"}" data-confirm-ok></button></div></form>`;
    dialog.querySelector(".confirm-message").textContent = message;
    dialog.querySelector("[data-confirm-ok]").textContent = confirmLabel;
    const opener = document.activeElement;
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "ok");
      dialog.remove();
      if (opener && opener.focus) opener.focus();
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    dialog.querySelector("[data-confirm-ok]").focus();
  });
}
