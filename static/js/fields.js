// Server validation errors shown next to the field they concern (`data.fields` of a 400 answer).

/** Clear every field error inside `root`. */
export function clearFieldErrors(root) {
  root.querySelectorAll("[data-error-for]").forEach((element) => { element.textContent = ""; });
  root.querySelectorAll("[aria-invalid]").forEach((element) => element.removeAttribute("aria-invalid"));
  root.querySelectorAll(".has-error").forEach((element) => element.classList.remove("has-error"));
}

/**
 * Put each message of `fields` ({name: message}) into `[data-error-for="name"]` inside `root` and mark
 * the control named `name` invalid. Returns the messages that have no place in this form.
 */
export function showFieldErrors(root, fields) {
  const unplaced = [];
  for (const [name, message] of Object.entries(fields || {})) {
    const slot = root.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    if (!slot) { unplaced.push(message); continue; }
    slot.textContent = message;
    const field = slot.closest(".field, fieldset");
    if (field) field.classList.add("has-error");
    root.querySelectorAll(`[name="${CSS.escape(name)}"]`).forEach((control) => control.setAttribute("aria-invalid", "true"));
  }
  const first = root.querySelector("[aria-invalid='true']");
  if (first && typeof first.focus === "function") first.focus();
  return unplaced;
}
