// The symbol box of the mapping form: a combobox (the WAI-ARIA pattern) that searches the master
// contract as the trader types (GET /strategy/api/symbols, debounced, on the chosen exchange), lists
// the matches and lets one be picked with the mouse or the keyboard: ↓/↑ move, Enter picks, Esc
// closes. Only the newest answer is shown. Text goes into the page with textContent only.

import { getJSON } from "../http.js";
import { urls } from "./urls.js";

const DEBOUNCE_MS = 200;

function span(className, text) {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = text;
  return element;
}

/**
 * createSymbolSearch(<div data-symbol-search>, {exchangeSelect, status, onPick(item)}) → {reset()}
 * `status` is the role=status line that says what the list holds.
 */
export function createSymbolSearch(root, { exchangeSelect, status, onPick = () => {} }) {
  const input = root.querySelector('[role="combobox"]');
  const list = root.querySelector('[role="listbox"]');
  const idleText = status.textContent;
  let results = [];
  let active = -1;
  let timer = null;
  let asked = 0;  // the number of the newest search; older answers are dropped

  const say = (text) => { status.textContent = text; };

  function setActive(index) {
    active = index;
    [...list.children].forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    if (index < 0) {
      input.removeAttribute("aria-activedescendant");
      return;
    }
    const option = list.children[index];
    input.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  }

  function setOpen(open) {
    list.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    if (!open) setActive(-1);
  }

  function option(item, index) {
    const element = document.createElement("li");
    element.id = `${list.id}-${index}`;
    element.className = "combobox-option";
    element.setAttribute("role", "option");
    element.setAttribute("aria-selected", "false");
    if (!item.tradable) element.classList.add("is-untradable");
    const detail = [item.name, item.instrumenttype, `lot ${item.lotsize}`, item.tradable ? "" : "not tradable"];
    element.append(
      span("option-symbol mono", item.symbol),
      span("option-exchange", item.exchange),
      span("option-detail", detail.filter(Boolean).join(" · ")),
    );
    element.addEventListener("mousedown", (event) => event.preventDefault());  // keep the focus in the box
    element.addEventListener("click", () => pick(index));
    return element;
  }

  function show(items) {
    results = items;
    list.replaceChildren(...items.map(option));
    setOpen(items.length > 0);
  }

  function pick(index) {
    const item = results[index];
    if (!item) return;
    input.value = item.symbol;
    setOpen(false);
    say(`${item.symbol} on ${item.exchange} picked (lot size ${item.lotsize}).`);
    onPick(item);
  }

  async function search() {
    window.clearTimeout(timer);
    const query = input.value.trim();
    const exchange = exchangeSelect.value;
    const mine = ++asked;
    if (!query) {
      show([]);
      say(idleText);
      return;
    }
    say("Searching…");
    try {
      const body = await getJSON(urls.symbols(query, exchange));
      if (mine !== asked) return;
      const items = (body.data && body.data.symbols) || [];
      show(items);
      say(items.length
        ? `${items.length} match${items.length === 1 ? "" : "es"} on ${exchange}: ↓ and Enter to pick one.`
        : `No symbol on ${exchange} matches “${query}”.`);
    } catch (error) {
      if (mine !== asked) return;
      show([]);
      say(error.message);
    }
  }

  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, DEBOUNCE_MS);
  });
  input.addEventListener("keydown", (event) => {
    const open = !list.hidden && results.length > 0;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (open) setActive((active + 1) % results.length);
      else if (results.length) { setOpen(true); setActive(0); } else search();
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      setActive(active <= 0 ? results.length - 1 : active - 1);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();  // picking is not submitting
      pick(active);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      setOpen(false);
    }
  });
  input.addEventListener("blur", () => setOpen(false));
  exchangeSelect.addEventListener("change", () => { if (input.value.trim()) search(); });

  return {
    reset() {
      input.value = "";
      show([]);
      say(idleText);
    },
  };
}
