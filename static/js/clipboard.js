// Copy buttons: [data-copy="<id>"] copies the text of the element with that id (an input's value, or
// any element's text). navigator.clipboard where the page may use it (HTTPS or localhost); otherwise
// the text is selected and the browser's copy command tried; when neither works the text stays
// selected and the button says to press Ctrl+C. The button says "Copied" for a moment.

const FEEDBACK_MS = 2000;

function textOf(element) {
  if (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement) return element.value;
  return element.textContent;
}

/** Select the whole text of `element` (so the trader can copy it by hand). */
export function selectText(element) {
  if (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement) {
    element.focus();
    element.select();
    return;
  }
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

/** Copy `element`'s text: resolves "copied", or "selected" when only selecting it was possible. */
export async function copyFrom(element) {
  const text = textOf(element);
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return "copied";
    } catch (e) { /* not allowed here: fall back to selecting */ }
  }
  selectText(element);
  try {
    if (document.execCommand("copy")) return "copied";
  } catch (e) { /* no copy command either */ }
  return "selected";
}

function announcer() {
  let region = document.querySelector("[data-copy-status]");
  if (!region) {
    region = document.createElement("span");
    region.className = "visually-hidden";
    region.dataset.copyStatus = "";
    region.setAttribute("role", "status");
    document.body.appendChild(region);
  }
  return region;
}

/** Make every [data-copy] button inside `root` (now and later) copy its target. */
export function bindCopyButtons(root = document) {
  root.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button || !root.contains(button)) return;
    const target = document.getElementById(button.dataset.copy);
    if (!target) return;
    const result = await copyFrom(target);
    if (button.dataset.label === undefined) button.dataset.label = button.textContent;
    const said = result === "copied" ? "Copied" : "Press Ctrl+C";
    button.textContent = said;
    announcer().textContent = result === "copied" ? "Copied to the clipboard." : "Selected: press Ctrl+C to copy.";
    window.clearTimeout(button._copyTimer);
    button._copyTimer = window.setTimeout(() => { button.textContent = button.dataset.label; }, FEEDBACK_MS);
  });
}
