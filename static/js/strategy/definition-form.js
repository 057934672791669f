// A strategy's definition fields (templates/strategy/_definition_fields.html), shared by the new page
// and the settings form: read them into the JSON body of POST /strategy/api/strategies[/<id>], show
// the intraday times only while "Intraday" is ticked, fill them from a saved strategy, and (new
// strategies) follow the chosen exchange's default window until the trader types times. The server
// validates everything; its errors come back per field.

const TIME_FIELDS = ["start_time", "end_time", "squareoff_time"];

const control = (form, name) => form.querySelector(`[name="${name}"]`);

/** The per-exchange default windows the server put in the page ({NSE: ["09:15", "15:00", "15:15"]}). */
function windowDefaults() {
  const block = document.getElementById("window-defaults");
  try { return block ? JSON.parse(block.textContent) : {}; } catch (e) { return {}; }
}

/** The request body: every field; the times only for an intraday strategy (others keep theirs). */
export function readDefinition(form) {
  const checked = (name) => {
    const box = form.querySelector(`[name="${name}"]:checked`);
    return box ? box.value : null;
  };
  const body = {
    name: control(form, "name").value,
    exchange: control(form, "exchange").value,
    trading_mode: checked("trading_mode"),
    is_intraday: control(form, "is_intraday").checked,
    trading_venue: checked("trading_venue"),
  };
  if (body.is_intraday) for (const name of TIME_FIELDS) body[name] = control(form, name).value.trim();
  return body;
}

function showTimes(form) {
  const times = form.querySelector("[data-intraday-times]");
  const intraday = control(form, "is_intraday").checked;
  times.hidden = !intraday;
  times.disabled = !intraday;
}

/** Put a saved strategy's values back into the form (the server's spelling: trimmed, 09:15...). */
export function fillDefinition(form, strategy) {
  control(form, "name").value = strategy.name;
  control(form, "exchange").value = strategy.exchange;
  control(form, "is_intraday").checked = Boolean(strategy.is_intraday);
  for (const name of TIME_FIELDS) control(form, name).value = strategy[name] || "";
  for (const name of ["trading_mode", "trading_venue"]) {
    form.querySelectorAll(`[name="${name}"]`).forEach((radio) => { radio.checked = radio.value === strategy[name]; });
  }
  showTimes(form);
}

/** Wire the intraday switch; with `followDefaults`, a new exchange brings its default window. */
export function bindDefinitionForm(form, { followDefaults = false } = {}) {
  control(form, "is_intraday").addEventListener("change", () => showTimes(form));
  showTimes(form);
  if (!followDefaults) return;
  let typed = false;
  for (const name of TIME_FIELDS) control(form, name).addEventListener("input", () => { typed = true; });
  control(form, "exchange").addEventListener("change", () => {
    const times = windowDefaults()[control(form, "exchange").value];
    if (typed || !times) return;
    TIME_FIELDS.forEach((name, index) => { control(form, name).value = times[index]; });
  });
}
