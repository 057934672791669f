// Sandbox page: refreshes funds, positions, order and trade books and the master contract every
// few seconds; reloads the master contract and moves a symbol's simulated price on request.
import { getJSON, postJSON } from "./http.js";
import { escapeHtml, toast } from "./ui.js";

const REFRESH_MS = 2500;
const DATA_URL = "/sandbox/data";
const ORDER_BADGES = { complete: "success", rejected: "error", open: "pending", pending: "waiting" };
const BADGE_LABELS = { pending: "pending", downloading: "downloading…", success: "ready", error: "error" };

const $ = (selector) => document.querySelector(selector);

function money(value) {
  return Number(value).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function signed(value) {
  const kind = value > 0 ? "positive" : value < 0 ? "negative" : "";
  return `<span class="${kind}">${money(value)}</span>`;
}

function rows(items, columns, render) {
  if (!items.length) {
    const label = { positions: "No positions yet.", orders: "No orders today.", trades: "No trades today." }[render];
    return `<tr class="empty"><td colspan="${columns}" class="muted">${label}</td></tr>`;
  }
  return items.map(RENDERERS[render]).join("");
}

const RENDERERS = {
  positions: (p) => `<tr><td>${escapeHtml(p.symbol)}</td><td>${escapeHtml(p.exchange)}</td><td>${escapeHtml(p.product)}</td>
    <td class="num">${p.quantity}</td><td class="num">${money(p.average_price)}</td><td class="num">${p.ltp}</td>
    <td class="num">${signed(p.pnl)}</td></tr>`,
  orders: (o) => `<tr><td>${escapeHtml(o.time)}</td><td class="mono">${escapeHtml(o.orderid)}</td>
    <td>${escapeHtml(o.symbol)} <small class="muted">${escapeHtml(o.exchange)}</small></td><td>${escapeHtml(o.action)}</td>
    <td class="num">${o.quantity}</td><td>${escapeHtml(o.pricetype)}</td><td>${escapeHtml(o.product)}</td>
    <td class="num">${o.price}</td><td class="num">${o.trigger_price}</td><td class="num">${o.average_price}</td>
    <td><span class="badge ${ORDER_BADGES[o.status] || ""}" title="${escapeHtml(o.message)}">${escapeHtml(o.status)}</span></td></tr>`,
  trades: (t) => `<tr><td>${escapeHtml(t.time)}</td><td class="mono">${escapeHtml(t.orderid)}</td>
    <td>${escapeHtml(t.symbol)} <small class="muted">${escapeHtml(t.exchange)}</small></td><td>${escapeHtml(t.action)}</td>
    <td class="num">${t.quantity}</td><td class="num">${t.price}</td><td class="num">${money(t.value)}</td>
    <td>${escapeHtml(t.product)}</td></tr>`,
};

function setText(selector, text) {
  const node = $(selector);
  if (node) node.textContent = text;
}

function setHtml(selector, html) {
  const node = $(selector);
  if (node) node.innerHTML = html;
}

function showError(message) {
  setHtml("[data-sandbox-error]", message ? `<div class="flash flash-error">${escapeHtml(message)}</div>` : "");
}

function renderMasterContract(mc) {
  const badge = $("[data-mc-status]");
  if (badge) {
    badge.className = `badge ${mc.status}`;
    badge.textContent = mc.status;
  }
  setText("[data-mc-count]", String(mc.symbol_count));
  setText("[data-mc-duration]", mc.duration_s === null ? "–" : `${mc.duration_s.toFixed(2)} s`);
  setText("[data-mc-finished]", mc.finished_at ? `${mc.finished_at.slice(11, 19)} IST` : "–");
  const error = $("[data-mc-error]");
  if (error) {
    error.textContent = mc.error || "";
    error.hidden = !mc.error;
  }
  const button = $("[data-mc-reload] button");
  if (button) button.disabled = mc.status === "downloading";
  const topbar = $("[data-master-contract-badge]");
  if (topbar) {
    topbar.className = `badge ${mc.status}`;
    topbar.textContent = `Contracts: ${BADGE_LABELS[mc.status] || mc.status}`;
  }
}

function render(data) {
  renderMasterContract(data.master_contract);
  const funds = data.funds;
  setText("[data-funds-available]", funds ? money(funds.available) : "–");
  setText("[data-funds-used]", funds ? money(funds.used_margin) : "–");
  setHtml("[data-funds-realised]", funds ? signed(funds.realised) : "–");
  setHtml("[data-funds-unrealised]", funds ? signed(funds.unrealised) : "–");
  setHtml("[data-positions]", rows(data.positions, 7, "positions"));
  setHtml("[data-orders]", rows(data.orders, 11, "orders"));
  setHtml("[data-trades]", rows(data.trades, 8, "trades"));
  showError(data.error);
  if (data.updated_at) setText("[data-sandbox-updated]", `Updated ${data.updated_at.slice(11, 19)} IST`);
}

let timer = null;

async function refresh() {
  window.clearTimeout(timer);
  try {
    const body = await getJSON(DATA_URL);
    render(body.data);
  } catch (error) {
    if (error.status === 401) {
      window.location.assign("/auth/login");
      return;
    }
    showError(`Could not refresh: ${error.message}`);
  }
  if (!document.hidden) timer = window.setTimeout(refresh, REFRESH_MS);
}

document.addEventListener("visibilitychange", () => {
  if (!document.hidden) refresh();
});

$("[data-mc-reload]")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const body = await postJSON(event.currentTarget.action, {});
    toast(body.message, "success");
  } catch (error) {
    toast(error.message, "error");
  }
  refresh();
});

$("[data-move-price]")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const reset = event.submitter && event.submitter.value === "reset";
  const price = form.elements.price.value;
  if (!reset && price === "") {
    toast("Enter the price to move to.", "error");
    return;
  }
  try {
    const body = await postJSON(form.action, {
      exchange: form.elements.exchange.value,
      symbol: form.elements.symbol.value,
      price: reset ? null : Number(price),
    });
    toast(body.message, "success");
  } catch (error) {
    toast(error.message, "error");
  }
  refresh();
});

timer = window.setTimeout(refresh, REFRESH_MS);
