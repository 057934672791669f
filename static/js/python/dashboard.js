// The /python dashboard: strategy cards kept live from the host's status events (polling as a
// fallback), their buttons, Stop all, the master-contract banner, the IST clock and the dialogs.
// What is allowed comes with each status entry (`actions`); this module only shows and asks.

import { getJSON, postJSON } from "../http.js";
import { confirmAction, toast } from "../ui.js";
import { createCard, fillCard, tickUptime } from "./cards.js";
import { clockText } from "../format.js";
import { createScheduleDialog } from "./schedule-dialog.js";
import { followStatuses, liveStateText } from "./status-feed.js";
import { urls } from "./urls.js";
import { createVariablesDialog } from "./variables-dialog.js";

const METRICS_REFRESH_MS = 5000;  // CPU / memory samples are not events: refresh them while something runs
const METRIC_FIELDS = ["cpu_percent", "rss_mb", "uptime_s", "pid"];

const grid = document.querySelector("[data-strategies]");
const template = document.querySelector("template[data-card-template]");
const parts = {
  count: document.querySelector("[data-count]"),
  running: document.querySelector("[data-running-count]"),
  empty: document.querySelector("[data-empty]"),
  stopAll: document.querySelector("[data-stop-all]"),
  liveState: document.querySelector("[data-live-state]"),
  clock: document.querySelector("[data-page-clock]"),
  banner: document.querySelector("[data-master-contract]"),
  checkContracts: document.querySelector("[data-check-contracts]"),
};
const entries = new Map();  // id → the latest status entry
const cards = new Map();    // id → its card element
const variablesDialog = createVariablesDialog(document.querySelector("[data-variables-dialog]"));
const scheduleDialog = createScheduleDialog(document.querySelector("[data-schedule-dialog]"), {
  onSaved: (id) => refreshEntry(id),
});
let feed = null;
let masterContract = null;  // the latest master-contract state shown

// --- state ------------------------------------------------------------------------------------------
function upsert(entry) {
  entries.set(entry.id, entry);
  let card = cards.get(entry.id);
  if (card) fillCard(card, entry);
  else {
    card = createCard(template, entry);
    cards.set(entry.id, card);
    grid.appendChild(card);
  }
  variablesDialog.update(entry);
  scheduleDialog.update(entry);
}

function remove(id) {
  entries.delete(id);
  const card = cards.get(id);
  if (card) card.remove();
  cards.delete(id);
}

function applySnapshot(board) {
  if (!performance.getEntriesByName("python:dashboard-live").length) performance.mark("python:dashboard-live");
  const seen = new Set();
  for (const entry of board.strategies) {
    seen.add(entry.id);
    upsert(entry);
  }
  for (const id of [...cards.keys()]) if (!seen.has(id)) remove(id);
  showMasterContract(board.master_contract);
  summarise();
}

function applyChange(entry) {
  upsert(entry);
  summarise();
}

function applyDelete(id) {
  remove(id);
  summarise();
}

function summarise() {
  const all = [...entries.values()];
  const running = all.filter((entry) => entry.status === "running").length;
  parts.count.textContent = `${all.length} strateg${all.length === 1 ? "y" : "ies"}`;
  parts.running.textContent = `${running} running`;
  parts.empty.hidden = all.length > 0;
  parts.stopAll.disabled = !all.some((entry) => entry.actions && entry.actions.stop);
}

function showMasterContract(state) {
  if (!state || !parts.banner) return;
  masterContract = state;
  const hidden = !state.status || state.status === "not_required";
  parts.banner.hidden = hidden;
  if (hidden) return;
  parts.banner.dataset.status = state.status;
  const badge = parts.banner.querySelector("[data-mc-badge]");
  badge.className = `badge ${state.status}`;
  badge.textContent = state.ready ? "ready" : state.status;
  let text = "Master contract not ready yet: strategies that need it wait";
  if (state.ready) {
    text = "Master contract ready";
    if (state.symbol_count) text += ` · ${state.symbol_count.toLocaleString("en-US")} symbols`;
  } else if (state.status === "error") {
    text = `Master contract download failed${state.error ? `: ${state.error}` : ""}`;
  }
  parts.banner.querySelector("[data-mc-text]").textContent = text;
}

// --- buttons ----------------------------------------------------------------------------------------
async function send(button, url, successKind = "success") {
  button.dataset.busy = "true";
  button.disabled = true;
  try {
    const body = await postJSON(url);
    toast(body.message || "Done.", successKind);
    return body;
  } catch (error) {
    toast(error.message, "error", 8000);
    return null;
  } finally {
    delete button.dataset.busy;
    const id = button.closest("[data-strategy]")?.dataset.strategy;
    const entry = id ? entries.get(id) : null;
    const card = id ? cards.get(id) : null;
    if (entry && card) fillCard(card, entry);  // enabled again only if still allowed
    else if (button === parts.stopAll) summarise();  // the events may have stopped everything already
    else button.disabled = false;
  }
}

// Status events carry the outcome; when polling, the answer's entry shows it at once.
function showAnswer(body) {
  if (body && body.data && body.data.id && feed && feed.transport() === "poll" && entries.has(body.data.id)) {
    applyChange(body.data);
  }
}

const ACTIONS = {
  async start(entry, button) { showAnswer(await send(button, urls.start(entry.id))); },
  async stop(entry, button) {
    const signal = entry.stop_signal || "its stop signal";
    const ok = await confirmAction(
      `Stop “${entry.name}”? The host sends it ${signal}, and SIGKILL if it has not exited after the grace period.`,
      { confirmLabel: "Stop strategy", danger: true },
    );
    if (ok) showAnswer(await send(button, urls.stop(entry.id)));
  },
  async delete(entry, button) {
    const ok = await confirmAction(
      `Delete “${entry.name}”? Its script, backups, variables, schedule and logs are removed for good.`,
      { confirmLabel: "Delete strategy", danger: true },
    );
    if (ok && await send(button, urls.remove(entry.id))) applyDelete(entry.id);
  },
  async clear_error(entry, button) { showAnswer(await send(button, urls.clearError(entry.id))); },
  variables(entry) { variablesDialog.open(entry); },
  schedule(entry) { scheduleDialog.open(entry); },
};

grid.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button || button.disabled) return;
  const id = button.closest("[data-strategy]").dataset.strategy;
  const entry = entries.get(id);
  const action = ACTIONS[button.dataset.action];
  if (entry && action) action(entry, button);
});

parts.stopAll.addEventListener("click", async () => {
  const active = [...entries.values()].filter((entry) => entry.actions && entry.actions.stop);
  const ok = await confirmAction(
    `Stop all ${active.length} running or waiting strateg${active.length === 1 ? "y" : "ies"}? This is the kill switch.`,
    { confirmLabel: "Stop all", danger: true },
  );
  if (ok) await send(parts.stopAll, urls.stopAll, "warning");
});

parts.checkContracts?.addEventListener("click", async () => {
  try {
    const body = await postJSON(urls.checkContracts);
    toast(body.message || "Checking the master contract.", "success");
    if (body.data && body.data.master_contract) showMasterContract(body.data.master_contract);
  } catch (error) {
    toast(error.status === 404 ? "Check & Start is not available on this host yet." : error.message, "error", 8000);
  }
});

// --- clock, uptimes and figures -----------------------------------------------------------------------
function tick() {
  if (parts.clock) parts.clock.textContent = clockText();
  const now = performance.now();
  for (const card of cards.values()) tickUptime(card, now);
}

// CPU and memory are sampled by the host every few seconds without an event, and the master
// contract's download is not a strategy event either: fetch them while a strategy runs or the
// contract is not ready. Only those figures are taken, and a strategy's only where its status is
// unchanged, so an older answer can never undo a newer status event.
async function refreshFigures() {
  if (document.hidden || !feed || feed.transport() !== "sse") return;
  const running = [...entries.values()].some((entry) => entry.status === "running");
  const contractPending = masterContract && !masterContract.ready && masterContract.status !== "not_required";
  if (!running && !contractPending) return;
  try {
    const body = await getJSON(urls.status);
    showMasterContract(body.data.master_contract);
    for (const fresh of body.data.strategies) {
      const known = entries.get(fresh.id);
      if (!known || known.status !== fresh.status) continue;
      const merged = { ...known };
      for (const key of METRIC_FIELDS) merged[key] = fresh[key];
      upsert(merged);
    }
  } catch (error) { /* the next refresh tries again */ }
}

// After a schedule change, read that strategy's entry once (in case no status event carries it);
// taken only if its status is still the one shown, like the figures above.
async function refreshEntry(id) {
  try {
    const body = await getJSON(urls.status);
    const fresh = body.data.strategies.find((item) => item.id === id);
    const known = entries.get(id);
    if (fresh && known && fresh.status === known.status) applyChange(fresh);
  } catch (error) { /* status events or the next snapshot bring it */ }
}

// --- start ------------------------------------------------------------------------------------------
function start() {
  const initial = JSON.parse(document.getElementById("python-board").textContent);
  for (const entry of initial.strategies) {
    entries.set(entry.id, entry);
    const card = document.getElementById(`strategy-${entry.id}`);
    if (card) { cards.set(entry.id, card); fillCard(card, entry); }
  }
  showMasterContract(initial.master_contract);
  summarise();
  feed = followStatuses({
    onSnapshot: applySnapshot,
    onChange: applyChange,
    onDelete: applyDelete,
    onState(state) {
      parts.liveState.textContent = liveStateText(state);
      parts.liveState.dataset.state = state;
    },
  });
  tick();
  window.setInterval(tick, 1000);
  window.setInterval(refreshFigures, METRICS_REFRESH_MS);
  document.documentElement.dataset.dashboardReady = "true";
  performance.mark("python:dashboard-ready");  // read by benchmarks/bench_dashboard.py
}

start();
