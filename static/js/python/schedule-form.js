// The schedule inputs (templates/python/_schedule_fields.html): read them into the JSON body of
// POST /python/schedule/<id>, fill them from a status entry's `schedule`, and the day presets.
// The server validates everything; errors come back per field.

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"];

/** The per-exchange default windows the server put in the page ({NSE: ["09:15", "15:30"], ...}). */
export function scheduleDefaults() {
  const block = document.getElementById("schedule-defaults");
  try { return block ? JSON.parse(block.textContent) : {}; } catch (e) { return {}; }
}

const input = (root, name) => root.querySelector(`[name="${name}"]`);

/** The request body for POST /python/schedule/<id>; `exchange` overrides the form's own select. */
export function readSchedule(root, { exchange = null } = {}) {
  const stop = input(root, "schedule_stop").value.trim();
  const select = input(root, "exchange");
  return {
    schedule_start: input(root, "schedule_start").value.trim(),
    schedule_stop: stop === "" ? null : stop,
    schedule_days: [...root.querySelectorAll('[name="schedule_days"]:checked')].map((box) => box.value),
    exchange: exchange || (select ? select.value : null),
    ignore_holidays: input(root, "ignore_holidays").checked,
  };
}

function setDays(root, days) {
  const wanted = new Set(days);
  root.querySelectorAll('[name="schedule_days"]').forEach((box) => { box.checked = wanted.has(box.value); });
}

function setTimes(root, start, stop) {
  input(root, "schedule_start").value = start || "";
  input(root, "schedule_stop").value = stop || "";
  root.dataset.timesEdited = "false";
}

/**
 * Show `schedule` ({start, stop, days, exchange, ignore_holidays} as status entries carry it), or the
 * exchange's default window on Mon–Fri when there is none.
 */
export function fillSchedule(root, schedule, { exchange = "NSE" } = {}) {
  const select = input(root, "exchange");
  if (schedule) {
    setTimes(root, schedule.start, schedule.stop);
    setDays(root, schedule.days || []);
    if (select && schedule.exchange) select.value = schedule.exchange;
    input(root, "ignore_holidays").checked = Boolean(schedule.ignore_holidays);
    return;
  }
  if (select) select.value = exchange;
  const [start, stop] = scheduleDefaults()[exchange] || ["", ""];
  setTimes(root, start, stop);
  setDays(root, WEEKDAYS);
  input(root, "ignore_holidays").checked = false;
}

/** Day presets, and the exchange's default window while the trader has not typed times. */
export function bindScheduleForm(root, { exchangeSelect = null } = {}) {
  root.querySelectorAll("[data-days-preset]").forEach((button) => {
    button.addEventListener("click", () => setDays(root, button.dataset.daysPreset.split(",")));
  });
  for (const name of ["schedule_start", "schedule_stop"]) {
    input(root, name).addEventListener("input", () => { root.dataset.timesEdited = "true"; });
  }
  const select = exchangeSelect || input(root, "exchange");
  if (select) {
    select.addEventListener("change", () => {
      if (root.dataset.timesEdited === "true") return;
      const [start, stop] = scheduleDefaults()[select.value] || [];
      if (start) setTimes(root, start, stop);
    });
  }
}
