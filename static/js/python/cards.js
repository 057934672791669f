// Strategy cards on the dashboard: fill the server-rendered card (templates/python/_card.html) from a
// status entry, or clone the page's <template> for a strategy added later. Text only (textContent);
// which buttons are enabled comes from the entry's `actions`, the badge from its `badge`.

import { DASH, cpuText, lastExitText, memoryText, momentText, scheduleText, uptimeText } from "../format.js";
import { urls } from "./urls.js";

const FIELDS = [
  "name", "file_name", "badge", "pid", "uptime", "cpu", "memory", "exchange", "last_exit", "schedule",
  "next_start_wrap", "next_start", "next_stop_wrap", "next_stop", "note", "last_lines", "last_lines_text", "actions",
];
// Buttons that open a dialog stay usable: the dialog itself shows what may be changed.
const ALWAYS_ENABLED = new Set(["variables"]);

function fieldsOf(card) {
  if (!card._fields) {
    card._fields = {};
    for (const name of FIELDS) card._fields[name] = card.querySelector(`[data-field="${name}"]`);
    card._buttons = [...card.querySelectorAll("[data-action]")];
    card._editLink = card.querySelector('[data-link="edit"]');
  }
  return card._fields;
}

function setText(element, text) {
  if (element && element.textContent !== text) element.textContent = text;
}

function setHidden(element, hidden) {
  if (element && element.hidden !== hidden) element.hidden = hidden;
}

/** Show `entry` in `card`. Cheap when nothing changed (200 cards are refreshed at once). */
export function fillCard(card, entry) {
  const f = fieldsOf(card);
  const actions = entry.actions || {};
  setText(f.name, entry.name || "");
  setText(f.file_name, entry.file_name || "");
  const badgeClass = `badge ${entry.badge || entry.status}`;
  if (f.badge.className !== badgeClass) f.badge.className = badgeClass;
  setText(f.badge, entry.badge || entry.status);
  card.dataset.badge = entry.badge || entry.status;
  card.dataset.status = entry.status;
  setText(f.pid, entry.pid === null || entry.pid === undefined ? DASH : String(entry.pid));
  card._uptime = typeof entry.uptime_s === "number" ? { base: entry.uptime_s, at: performance.now() } : null;
  setText(f.uptime, uptimeText(entry.uptime_s));
  setText(f.cpu, cpuText(entry.cpu_percent));
  setText(f.memory, memoryText(entry.rss_mb));
  setText(f.exchange, entry.exchange || DASH);
  setText(f.last_exit, lastExitText(entry));
  setText(f.schedule, scheduleText(entry));
  for (const key of ["next_start", "next_stop"]) {
    setHidden(f[`${key}_wrap`], !entry[key]);
    setText(f[key], momentText(entry[key]));
    if (f[key]) f[key].setAttribute("datetime", entry[key] || "");
  }
  setText(f.note, entry.note || "");
  setHidden(f.note, !entry.note);
  const lines = Array.isArray(entry.last_lines) ? entry.last_lines : [];
  setHidden(f.last_lines, lines.length === 0);
  setText(f.last_lines_text, lines.join("\n"));
  const label = `Actions for ${entry.name || ""}`;
  if (f.actions.getAttribute("aria-label") !== label) f.actions.setAttribute("aria-label", label);
  for (const button of card._buttons) {
    const key = button.dataset.action;
    const allowed = ALWAYS_ENABLED.has(key) || Boolean(actions[key]);
    const disabled = !allowed || button.dataset.busy === "true";
    if (button.disabled !== disabled) button.disabled = disabled;
    if (key === "clear_error") setHidden(button, !actions.clear_error);
  }
  setText(card._editLink, actions.edit ? "Edit" : "View");
}

/** Advance a running card's uptime by the time since its last entry (between status events). */
export function tickUptime(card, now = performance.now()) {
  if (!card._uptime || card.dataset.status !== "running") return;
  setText(card._fields.uptime, uptimeText(card._uptime.base + (now - card._uptime.at) / 1000));
}

/** A new card for `entry`, cloned from the page's <template data-card-template>. */
export function createCard(template, entry) {
  const card = template.content.firstElementChild.cloneNode(true);
  const headingId = `strategy-${entry.id}-name`;
  card.id = `strategy-${entry.id}`;
  card.dataset.strategy = entry.id;
  card.setAttribute("aria-labelledby", headingId);
  card.querySelector('[data-field="name"]').id = headingId;
  card.querySelector('[data-link="edit"]').href = urls.edit(entry.id);
  card.querySelector('[data-link="logs"]').href = urls.logs(entry.id);
  card.querySelector('[data-link="export"]').href = urls.exportFile(entry.id);
  fillCard(card, entry);
  return card;
}
