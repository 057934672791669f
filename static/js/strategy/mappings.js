// The symbol mappings on a strategy's page (templates/strategy/_mappings.html): the table (new rows
// cloned from its <template>), Remove with a confirmation, and the add form whose symbol box searches
// the master contract. A pick fills the quantity with the lot size unless the trader typed one.
// Which products are offered follows the strategy's intraday flag (the server marks MIS
// data-intraday-only); the server validates every mapping.

import { postJSON } from "../http.js";
import { confirmAction, toast } from "../ui.js";
import { clearFieldErrors, showFieldErrors } from "../fields.js";
import { createSymbolSearch } from "./symbol-search.js";
import { urls } from "./urls.js";

/** bindMappings(<section data-mappings-card>, strategyId) → {setIntraday(isIntraday)} */
export function bindMappings(card, strategyId) {
  const rows = card.querySelector("[data-mapping-rows]");
  const template = card.querySelector("template[data-mapping-template]");
  const empty = card.querySelector("[data-mappings-empty]");
  const form = card.querySelector("[data-mapping-form]");
  const errorBox = form.querySelector("[data-mapping-error]");
  const field = (name) => form.querySelector(`[name="${name}"]`);
  const [symbol, exchange, quantity, product] = ["symbol", "exchange", "quantity", "product"].map(field);
  const submit = form.querySelector("[data-add-mapping]");
  let lotFilled = null;  // the quantity a pick filled in (the next pick may replace it)

  const search = createSymbolSearch(form.querySelector("[data-symbol-search]"), {
    exchangeSelect: exchange,
    status: form.querySelector("[data-search-status]"),
    onPick(item) {
      exchange.value = item.exchange;
      if (quantity.value === "" || quantity.value === lotFilled) {
        quantity.value = String(item.lotsize);
        lotFilled = quantity.value;
      }
    },
  });

  function fillRow(row, mapping) {
    row.dataset.mapping = String(mapping.id);
    for (const name of ["symbol", "exchange", "quantity", "product"]) {
      row.querySelector(`[data-field="${name}"]`).textContent = String(mapping[name]);
    }
    row.querySelector("[data-remove-mapping]").setAttribute("aria-label", `Remove ${mapping.symbol} on ${mapping.exchange}`);
  }

  function addRow(mapping) {
    const row = template.content.firstElementChild.cloneNode(true);
    fillRow(row, mapping);
    // The server lists mappings by symbol, then exchange: keep that order.
    const key = `${mapping.symbol}\u0000${mapping.exchange}`;
    const after = [...rows.children].find((other) => {
      const text = (name) => other.querySelector(`[data-field="${name}"]`).textContent;
      return `${text("symbol")}\u0000${text("exchange")}` > key;
    });
    rows.insertBefore(row, after || null);
    empty.hidden = true;
  }

  rows.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-remove-mapping]");
    if (!button) return;
    const row = button.closest("tr");
    const name = `${row.querySelector('[data-field="symbol"]').textContent} on ${row.querySelector('[data-field="exchange"]').textContent}`;
    const sure = await confirmAction(`Remove ${name} from this strategy? Alerts for it are refused from then on.`, {
      confirmLabel: "Remove", danger: true,
    });
    if (!sure) return;
    try {
      const body = await postJSON(urls.removeSymbol(strategyId, row.dataset.mapping));
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      empty.hidden = rows.children.length > 0;
      (next ? next.querySelector("[data-remove-mapping]") : symbol).focus();
      toast(body.message || "Removed.", "success");
    } catch (error) {
      toast(error.message, "error", 8000);
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    errorBox.hidden = true;
    submit.disabled = true;
    try {
      const body = await postJSON(urls.addSymbol(strategyId), {
        symbol: symbol.value.trim(),
        exchange: exchange.value,
        quantity: quantity.value === "" ? null : Number(quantity.value),
        product: product.value,
      });
      addRow(body.data.mapping);
      toast(body.message || "Symbol mapped.", "success");
      search.reset();
      quantity.value = "";
      lotFilled = null;
      symbol.focus();
    } catch (error) {
      const unplaced = showFieldErrors(form, error.data && error.data.fields);
      errorBox.textContent = [error.message, ...unplaced].join(" ");
      errorBox.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });

  return {
    /** The strategy's intraday flag changed: offer MIS only while it is intraday. */
    setIntraday(intraday) {
      for (const option of product.querySelectorAll("option[data-intraday-only]")) {
        option.hidden = !intraday;
        option.disabled = !intraday;
      }
      if (product.selectedOptions[0] && product.selectedOptions[0].disabled) {
        product.value = [...product.options].find((option) => !option.disabled).value;
      }
    },
  };
}
