// The variables dialog: regular variables as editable rows; secure variables by name only, shown as
// •••••••• with Replace / Delete (a secret is sent to the host and never comes back); read-only while
// the strategy runs (the entry's `actions.variables`); name errors from the server next to the row.

import { getJSON, postJSON } from "../http.js";
import { toast } from "../ui.js";
import { formError, modal } from "../dialog-base.js";
import { urls } from "./urls.js";

let rowNumber = 0;

function labelled(row) {
  // Give every input of a cloned row a unique id and point its label at it.
  rowNumber += 1;
  row.querySelectorAll("[data-input]").forEach((control) => {
    control.id = `var-${control.dataset.input}-${rowNumber}`;
    const label = row.querySelector(`label[data-for="${control.dataset.input}"]`);
    if (label) label.htmlFor = control.id;
  });
  return row;
}

/** createVariablesDialog(<dialog data-variables-dialog>) → {open(entry), update(entry), strategyId()} */
export function createVariablesDialog(dialog) {
  const form = dialog.querySelector("form");
  const page = dialog.ownerDocument;
  const templates = {
    regular: page.querySelector("template[data-regular-row]"),
    secureNew: page.querySelector("template[data-secure-new-row]"),
    secureItem: page.querySelector("template[data-secure-item]"),
  };
  const parts = {
    name: form.querySelector("[data-strategy-name]"),
    banner: form.querySelector("[data-readonly-banner]"),
    regularRows: form.querySelector("[data-regular-rows]"),
    regularEmpty: form.querySelector("[data-regular-empty]"),
    secureList: form.querySelector("[data-secure-list]"),
    secureEmpty: form.querySelector("[data-secure-empty]"),
    addRegular: form.querySelector("[data-add-regular]"),
    addSecure: form.querySelector("[data-add-secure]"),
    save: form.querySelector("[data-save]"),
  };
  let entry = null;
  let readOnly = true;
  let loading = false;
  const box = modal(dialog, { onClose: () => { entry = null; clearRows(); } });

  function clearRows() {
    parts.regularRows.replaceChildren();
    parts.secureList.replaceChildren();
  }

  function refreshEmpty() {
    parts.regularEmpty.hidden = parts.regularRows.children.length > 0;
    parts.secureEmpty.hidden = parts.secureList.children.length > 0;
  }

  function addRow(template, name = "", value = "") {
    const row = labelled(template.content.firstElementChild.cloneNode(true));
    row.querySelector('[data-input="name"]').value = name;
    row.querySelector('[data-input="value"]').value = value;
    let holder = row;
    if (template === templates.secureNew) {
      holder = document.createElement("li");
      holder.className = "secure-item is-new";
      holder.appendChild(row);
      parts.secureList.appendChild(holder);
    } else {
      parts.regularRows.appendChild(row);
    }
    row.querySelector("[data-remove]").addEventListener("click", () => { holder.remove(); refreshEmpty(); });
    applyReadOnly();
    refreshEmpty();
    return row;
  }

  function addSecureItem(name) {
    const item = labelled(templates.secureItem.content.firstElementChild.cloneNode(true));
    item.dataset.name = name;
    item.querySelector("[data-secure-name]").textContent = name;
    const replaceField = item.querySelector("[data-replace-field]");
    const replaceInput = replaceField.querySelector("input");
    const replace = item.querySelector("[data-replace]");
    const remove = item.querySelector("[data-delete]");
    const state = item.querySelector("[data-secure-state]");
    replaceField.querySelector("label").textContent = `New value for ${name}`;
    replace.setAttribute("aria-label", `Replace ${name}`);
    remove.setAttribute("aria-label", `Delete ${name}`);
    replace.addEventListener("click", () => {
      const opening = replaceField.hidden;
      replaceField.hidden = !opening;
      replace.textContent = opening ? "Keep" : "Replace";
      replace.setAttribute("aria-label", `${opening ? "Keep" : "Replace"} ${name}`);
      replaceInput.value = "";
      if (opening) replaceInput.focus();
    });
    remove.addEventListener("click", () => {
      const deleting = item.dataset.deleting !== "true";
      item.dataset.deleting = String(deleting);
      state.textContent = deleting ? "deleted when you save" : "";
      remove.textContent = deleting ? "Undo" : "Delete";
      remove.setAttribute("aria-label", `${deleting ? "Undo delete of" : "Delete"} ${name}`);
      if (deleting) { replaceField.hidden = true; replaceInput.value = ""; replace.textContent = "Replace"; }
      replace.disabled = deleting || readOnly;
    });
    parts.secureList.appendChild(item);
    return item;
  }

  function render(data) {
    clearRows();
    const regular = (data && data.regular) || {};
    for (const [name, value] of Object.entries(regular)) addRow(templates.regular, name, value);
    for (const name of (data && data.secure) || []) addSecureItem(name);
    applyReadOnly();
    refreshEmpty();
  }

  function applyReadOnly() {
    parts.banner.hidden = !readOnly || entry === null;
    form.querySelectorAll("input, [data-remove], [data-replace], [data-delete], [data-add-regular], [data-add-secure]")
      .forEach((control) => {
        const deleting = control.matches("[data-replace]") && control.closest("[data-deleting='true']");
        control.disabled = readOnly || loading || Boolean(deleting);
      });
    parts.save.disabled = readOnly || loading;
  }

  function collect() {
    const regular = {};
    const secure = {};
    parts.regularRows.querySelectorAll("[data-var-row]").forEach((row) => {
      const name = row.querySelector('[data-input="name"]').value.trim();
      const value = row.querySelector('[data-input="value"]').value;
      if (name || value) regular[name] = value;
    });
    parts.secureList.querySelectorAll("[data-secure-new]").forEach((row) => {
      const name = row.querySelector('[data-input="name"]').value.trim();
      const value = row.querySelector('[data-input="value"]').value;
      if (name || value) secure[name] = value;
    });
    parts.secureList.querySelectorAll("[data-secure-item]").forEach((item) => {
      if (item.dataset.deleting === "true") secure[item.dataset.name] = null;
      else {
        const replacement = item.querySelector('[data-input="value"]');
        if (!item.querySelector("[data-replace-field]").hidden && replacement.value) secure[item.dataset.name] = replacement.value;
      }
    });
    return { regular, secure };
  }

  function clearErrors() {
    form.querySelectorAll("[data-row-error]").forEach((line) => { line.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach((control) => control.removeAttribute("aria-invalid"));
    formError(form, "");
  }

  function rowFor(name) {
    for (const row of form.querySelectorAll("[data-var-row]")) {
      const typed = row.querySelector('[data-input="name"]').value.trim();
      if (typed === name || typed.slice(0, 70) === name) return row;
    }
    return [...form.querySelectorAll("[data-secure-item]")].find((item) => item.dataset.name === name) || null;
  }

  function showErrors(fields, message) {
    const unplaced = [];
    for (const [name, text] of Object.entries(fields || {})) {
      const row = rowFor(name);
      if (!row) { unplaced.push(name ? `${name}: ${text}` : text); continue; }
      row.querySelector("[data-row-error]").textContent = text;
      const input = row.querySelector('[data-input="name"]') || row.querySelector('[data-input="value"]');
      if (input) input.setAttribute("aria-invalid", "true");
    }
    formError(form, [message, ...unplaced].join(" "));
    const first = form.querySelector("[aria-invalid='true']");
    if (first) first.focus();
  }

  async function load(value) {
    loading = true;
    applyReadOnly();
    try {
      const body = await getJSON(urls.env(value.id));
      if (entry && entry.id === value.id) render(body.data);
    } catch (error) {
      formError(form, error.message);
    } finally {
      loading = false;
      applyReadOnly();
    }
  }

  async function submit(event) {
    event.preventDefault();
    if (!entry || readOnly) return;
    clearErrors();
    loading = true;
    applyReadOnly();
    try {
      const body = await postJSON(urls.env(entry.id), collect());
      render(body.data);  // replaces every input: typed secrets leave the page with the request
      toast(body.message || "Variables saved.", "success");
    } catch (error) {
      showErrors(error.data && error.data.fields, error.message);
    } finally {
      loading = false;
      applyReadOnly();
    }
  }

  parts.addRegular.addEventListener("click", () => addRow(templates.regular).querySelector("input").focus());
  parts.addSecure.addEventListener("click", () => addRow(templates.secureNew).querySelector("input").focus());
  form.addEventListener("submit", submit);

  return {
    open(value) {
      entry = value;
      readOnly = !(value.actions && value.actions.variables);
      parts.name.textContent = value.name || "";
      clearRows();
      clearErrors();
      refreshEmpty();
      applyReadOnly();
      box.show(readOnly ? form.querySelector("[data-close]") : parts.addRegular);
      load(value);
    },
    /** A live status entry arrived: the dialog becomes read-only (or editable) with the strategy. */
    update(value) {
      if (!entry || value.id !== entry.id || !box.isOpen()) return;
      entry = value;
      readOnly = !(value.actions && value.actions.variables);
      applyReadOnly();
    },
    strategyId: () => (entry ? entry.id : null),
  };
}
