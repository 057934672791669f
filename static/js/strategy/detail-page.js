// A strategy's page: the webhook URL (copy, rotate), the alert messages of its trading mode, the
// active switch, the settings form, the symbol mappings, the live deliveries table and Delete.
// Everything the page shows about the strategy comes from the server's answer to the last change.

import { postJSON } from "../http.js";
import { confirmAction, toast } from "../ui.js";
import { clearFieldErrors, showFieldErrors } from "../fields.js";
import { momentText } from "../format.js";
import { bindCopyButtons } from "../clipboard.js";
import { bindActiveSwitch } from "./active-switch.js";
import { bindDefinitionForm, fillDefinition, readDefinition } from "./definition-form.js";
import { followDeliveries } from "./deliveries.js";
import { bindMappings } from "./mappings.js";
import { urls } from "./urls.js";

const state = JSON.parse(document.getElementById("strategy-state").textContent);
const strategyId = state.strategy.id;
const settings = document.querySelector("[data-settings-form]");
const settingsError = settings.querySelector("[data-form-error]");
const activeSwitch = document.querySelector("[data-toggle-active]");
const shown = (name) => document.querySelector(`[data-strategy-field="${name}"]`);
const mappings = bindMappings(document.querySelector("[data-mappings-card]"), strategyId);

function venueLabel(venue) {
  const radio = settings.querySelector(`[name="trading_venue"][value="${CSS.escape(venue)}"]`);
  const label = radio && radio.closest("label").querySelector("strong");
  return label ? label.textContent : venue;
}

/** Show `strategy` (the server's view after a change) everywhere on the page. */
function showStrategy(strategy) {
  shown("name").textContent = strategy.name;
  document.title = `${strategy.name} · Strategies · OpenAlgo`;
  shown("trading_mode").textContent = strategy.trading_mode;
  shown("venue").className = `venue-tag ${strategy.trading_venue}`;
  shown("venue").textContent = venueLabel(strategy.trading_venue);
  shown("exchange").textContent = strategy.exchange;
  shown("intraday").hidden = !strategy.is_intraday;
  shown("positional").hidden = Boolean(strategy.is_intraday);
  for (const name of ["start_time", "end_time", "squareoff_time"]) shown(name).textContent = strategy[name];
  document.querySelector("[data-next-squareoff]").hidden = !strategy.next_squareoff;
  shown("next_squareoff").textContent = momentText(strategy.next_squareoff);
  shown("next_squareoff").setAttribute("datetime", strategy.next_squareoff || "");
  document.querySelectorAll("[data-samples-for]").forEach((group) => {
    group.hidden = group.dataset.samplesFor !== strategy.trading_mode;
  });
  document.querySelector("[data-webhook-url]").value = strategy.webhook_url;
  activeSwitch.checked = Boolean(strategy.is_active);
  document.querySelector("[data-inactive-note]").hidden = Boolean(strategy.is_active);
  mappings.setIntraday(Boolean(strategy.is_intraday));
}

// --- the webhook URL ---------------------------------------------------------------------------------
bindCopyButtons(document.querySelector("main"));

document.querySelector("[data-rotate]").addEventListener("click", async () => {
  const sure = await confirmAction(
    "Make a new webhook URL? The current URL stops working at once: every alert that uses it must be given the new one.",
    { confirmLabel: "Rotate", danger: true },
  );
  if (!sure) return;
  try {
    const body = await postJSON(urls.rotate(strategyId));
    showStrategy(body.data);
    toast(body.message || "New webhook URL.", "success", 8000);
  } catch (error) {
    toast(error.message, "error", 8000);
  }
});

// --- active, settings, delete ------------------------------------------------------------------------
bindActiveSwitch(activeSwitch, strategyId, { onChange: showStrategy });
bindDefinitionForm(settings);

settings.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearFieldErrors(settings);
  settingsError.hidden = true;
  const submit = settings.querySelector("[data-submit]");
  submit.disabled = true;
  try {
    const body = await postJSON(urls.strategy(strategyId), readDefinition(settings));
    fillDefinition(settings, body.data);
    showStrategy(body.data);
    toast(body.message || "Saved.", "success");
  } catch (error) {
    const unplaced = showFieldErrors(settings, error.data && error.data.fields);
    settingsError.textContent = [error.message, ...unplaced].join(" ");
    settingsError.hidden = false;
  } finally {
    submit.disabled = false;
  }
});

document.querySelector("[data-delete]").addEventListener("click", async () => {
  const name = shown("name").textContent;
  const sure = await confirmAction(
    `Delete “${name}”? Its webhook URL stops working and its symbols and deliveries are deleted. ` +
      "Positions it opened stay open.",
    { confirmLabel: "Delete strategy", danger: true },
  );
  if (!sure) return;
  try {
    await postJSON(urls.remove(strategyId));
    window.location.assign(urls.list);
  } catch (error) {
    toast(error.message, "error", 8000);
  }
});

// --- deliveries --------------------------------------------------------------------------------------
followDeliveries(document.querySelector("[data-deliveries-card]"), strategyId, state.deliveries_limit);
document.documentElement.dataset.strategyReady = "true";
