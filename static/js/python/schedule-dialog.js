// The schedule dialog: start/stop time (IST), days with a Mon–Fri preset, exchange, "ignore holidays",
// the resulting next start/stop, and Unschedule. The server validates and computes; this only shows.

import { postJSON } from "../http.js";
import { toast } from "../ui.js";
import { formError, modal } from "../dialog-base.js";
import { clearFieldErrors, showFieldErrors } from "../fields.js";
import { momentText, scheduleText } from "../format.js";
import { bindScheduleForm, fillSchedule, readSchedule } from "./schedule-form.js";
import { urls } from "./urls.js";

const NOT_AVAILABLE = "Scheduling is not available on this host yet.";

function pick(view, key) {
  if (!view || typeof view !== "object") return undefined;
  if (view[key] !== undefined) return view[key];
  return view.schedule && typeof view.schedule === "object" ? view.schedule[key] : undefined;
}

/**
 * createScheduleDialog(<dialog data-schedule-dialog>, {onSaved(id)}) → {open(entry), update(entry), strategyId()}
 * onSaved runs after a schedule was set or removed (the page may refresh that strategy's entry).
 */
export function createScheduleDialog(dialog, { onSaved = () => {} } = {}) {
  const form = dialog.querySelector("form");
  const save = form.querySelector("[data-save]");
  const unschedule = form.querySelector("[data-unschedule]");
  const shown = {
    name: form.querySelector("[data-strategy-name]"),
    summary: form.querySelector("[data-schedule-summary]"),
    nextStart: form.querySelector("[data-next-start]"),
    nextStop: form.querySelector("[data-next-stop]"),
  };
  const box = modal(dialog, { onClose: () => { entry = null; } });
  let entry = null;
  bindScheduleForm(form);

  function showNext({ summary, nextStart, nextStop }) {
    shown.summary.textContent = summary;
    shown.nextStart.textContent = nextStart ? `${momentText(nextStart)} IST` : "–";
    shown.nextStop.textContent = nextStop ? `${momentText(nextStop)} IST` : "–";
  }

  function showEntry(value) {
    entry = value;
    shown.name.textContent = value.name || "";
    showNext({ summary: scheduleText(value), nextStart: value.next_start, nextStop: value.next_stop });
    unschedule.disabled = !(value.actions && value.actions.unschedule);
  }

  async function submit(event) {
    event.preventDefault();
    if (!entry) return;
    clearFieldErrors(form);
    formError(form, "");
    save.disabled = true;
    try {
      const body = await postJSON(urls.schedule(entry.id), readSchedule(form));
      const view = body.data || {};
      const summary = pick(view, "summary");
      showNext({
        summary: summary ? String(summary) : "Scheduled",
        nextStart: pick(view, "next_start"),
        nextStop: pick(view, "next_stop"),
      });
      unschedule.disabled = false;
      toast(body.message || "Schedule saved.", "success");
      onSaved(entry.id);
    } catch (error) {
      if (error.status === 404 && !(error.data && error.data.fields)) formError(form, NOT_AVAILABLE);
      else {
        const unplaced = showFieldErrors(form, error.data && error.data.fields);
        formError(form, unplaced.length ? unplaced.join(" ") : error.message);
      }
    } finally {
      save.disabled = false;
    }
  }

  async function removeSchedule() {
    if (!entry) return;
    formError(form, "");
    unschedule.disabled = true;
    try {
      const body = await postJSON(urls.unschedule(entry.id));
      showNext({ summary: "Not scheduled", nextStart: null, nextStop: null });
      toast(body.message || "Schedule removed.", "success");
      onSaved(entry.id);
    } catch (error) {
      formError(form, error.status === 404 ? NOT_AVAILABLE : error.message);
      unschedule.disabled = false;
    }
  }

  form.addEventListener("submit", submit);
  unschedule.addEventListener("click", removeSchedule);

  return {
    open(value) {
      clearFieldErrors(form);
      formError(form, "");
      fillSchedule(form, value.scheduled ? value.schedule : null, { exchange: value.exchange || "NSE" });
      showEntry(value);
      box.show(form.querySelector('[name="schedule_start"]'));
    },
    /** A live status entry arrived: keep the dialog's facts current (never the trader's inputs). */
    update(value) {
      if (entry && value.id === entry.id && box.isOpen()) showEntry(value);
    },
    strategyId: () => (entry ? entry.id : null),
  };
}
