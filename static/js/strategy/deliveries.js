// The deliveries table of a strategy's page (templates/strategy/_deliveries.html), kept live by
// polling GET .../deliveries?limit=N every 2 s while the tab is visible (static/js/live.js with
// `sse: false`: paused while hidden, backing off on errors). Deliveries live in the database, and an
// alert may reach any host that shares it, so the table asks the database rather than one host's
// memory. Rows are matched by delivery id: a changed delivery is refilled in place (an opened body
// stays open, nothing moves under the reader), a new one is cloned from the <template> and put in
// its place, one past the limit goes. Text goes into the page with textContent only.

import { subscribe } from "../live.js";
import { DASH, momentText } from "../format.js";
import { urls } from "./urls.js";

const POLL_MS = 2000;
const STATE_TEXT = {
  live: "Live",
  polling: "Live",
  paused: "Paused while this tab is hidden",
  connecting: "Connecting…",
  closed: "Stopped",
  error: "Could not refresh: retrying…",
};

/** An order of a delivery, as blueprints/strategy/pages.py order_text writes it. */
export function orderText(order) {
  const where = `${order.symbol || ""} ${order.exchange || ""} ${order.product || ""}`;
  if (order.position_size === null || order.position_size === undefined) {
    return `${order.action || ""} ${order.quantity ?? ""} · ${where}`;
  }
  return `${order.action || ""} to position ${order.position_size} · ${where}`;
}

function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

/** followDeliveries(<section data-deliveries-card>, strategyId, limit) → stop() */
export function followDeliveries(card, strategyId, limit) {
  const table = card.querySelector("[data-deliveries]");
  const empty = card.querySelector("[data-deliveries-empty]");
  const rowTemplate = card.querySelector("template[data-delivery-template]");
  const orderTemplate = card.querySelector("template[data-order-template]");
  const liveState = card.querySelector("[data-live-state]");
  const shown = new Map();  // delivery id → {element, signature}
  for (const element of table.querySelectorAll("tbody[data-delivery]")) {
    shown.set(element.dataset.delivery, { element, signature: null });
  }

  function showState(state) {
    liveState.dataset.state = state === "polling" ? "live" : state;
    setText(liveState, STATE_TEXT[state] || state);
  }

  function orderItem(order) {
    const item = orderTemplate.content.firstElementChild.cloneNode(true);
    const part = (name) => item.querySelector(`[data-order-field="${name}"]`);
    item.dataset.order = String(order.journal_id);
    part("status").className = `badge ${order.status}`;
    part("status").textContent = order.status;
    part("summary").textContent = orderText(order);
    part("orderid").textContent = order.orderid || "";
    part("orderid").hidden = !order.orderid;
    part("message").textContent = order.message || "";
    part("message").hidden = !order.message;
    return item;
  }

  function fill(element, delivery) {
    const part = (name) => element.querySelector(`[data-field="${name}"]`);
    const bodyId = `delivery-${delivery.id}-body`;
    element.id = `delivery-${delivery.id}`;
    element.dataset.delivery = String(delivery.id);
    setText(part("received_at"), momentText(delivery.received_at, { seconds: true }));
    part("received_at").setAttribute("datetime", delivery.received_at || "");
    setText(part("id"), `#${delivery.id}`);
    setText(part("sender"), delivery.sender || DASH);
    part("result").className = `badge ${delivery.result}`;
    setText(part("result"), delivery.result);
    setText(part("message"), delivery.message || "");
    const duplicate = part("duplicate_of");
    duplicate.hidden = !delivery.duplicate_of;
    duplicate.setAttribute("href", `#delivery-${delivery.duplicate_of || ""}`);
    setText(duplicate, `Go to #${delivery.duplicate_of || ""}`);
    const orders = delivery.orders || [];
    part("orders").replaceChildren(...orders.map(orderItem));
    part("no_orders").hidden = orders.length > 0;
    part("toggle").setAttribute("aria-controls", bodyId);
    part("body_row").id = bodyId;
    setText(part("body"), delivery.body || "");
    const headers = Object.entries(delivery.headers || {});
    part("headers_part").hidden = headers.length === 0;
    setText(part("headers"), headers.map(([name, value]) => `${name}: ${value}`).join("\n"));
  }

  function apply(deliveries) {
    const wanted = new Set();
    let previous = table.tHead;
    for (const delivery of deliveries) {
      const key = String(delivery.id);
      wanted.add(key);
      const signature = JSON.stringify(delivery);
      let entry = shown.get(key);
      if (!entry) {
        entry = { element: rowTemplate.content.firstElementChild.cloneNode(true), signature: null };
        shown.set(key, entry);
      }
      if (entry.signature !== signature) {
        fill(entry.element, delivery);
        entry.signature = signature;
      }
      // Only a row out of place moves (moving one would take the keyboard focus out of it).
      if (previous.nextElementSibling !== entry.element) table.insertBefore(entry.element, previous.nextElementSibling);
      previous = entry.element;
    }
    for (const [key, entry] of shown) {
      if (!wanted.has(key)) {
        entry.element.remove();
        shown.delete(key);
      }
    }
    empty.hidden = deliveries.length > 0;
  }

  table.addEventListener("click", (event) => {
    const toggle = event.target.closest('[data-field="toggle"]');
    if (!toggle) return;
    const body = document.getElementById(toggle.getAttribute("aria-controls"));
    const open = toggle.getAttribute("aria-expanded") !== "true";
    body.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = open ? "Hide" : "Body";
  });

  return subscribe(null, {
    sse: false,
    pollUrl: urls.deliveries(strategyId, limit),
    pollIntervalMs: POLL_MS,
    onMessage(data) {
      apply((data && data.deliveries) || []);
      showState("live");
    },
    onStatus: showState,
    onError: () => showState("error"),
  });
}
