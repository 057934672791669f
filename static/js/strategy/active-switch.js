// The "Active" switch of a strategy (list and strategy page): POST toggle, then show what the server
// says the strategy now is; on a refusal the switch goes back and the reason is shown.

import { postJSON } from "../http.js";
import { toast } from "../ui.js";
import { urls } from "./urls.js";

/**
 * bindActiveSwitch(<input type=checkbox role=switch>, strategyId, {onChange(strategy)}): the switch
 * follows the saved state; `onChange` runs with the strategy after every successful toggle.
 */
export function bindActiveSwitch(input, strategyId, { onChange = () => {} } = {}) {
  const label = input.closest("label")?.querySelector(".switch-text");
  const show = (active) => {
    input.checked = active;
    if (label) label.textContent = active ? "On" : "Off";
  };
  let busy = false;  // never disabled while busy: a disabled switch would lose the keyboard focus
  input.addEventListener("change", async () => {
    const wanted = input.checked;
    if (busy) { input.checked = !wanted; return; }
    busy = true;
    input.setAttribute("aria-busy", "true");
    try {
      const body = await postJSON(urls.toggle(strategyId), { is_active: wanted });
      show(Boolean(body.data.is_active));
      toast(body.message || "Saved.", "success");
      onChange(body.data);
    } catch (error) {
      show(!wanted);
      toast(error.message, "error", 8000);
    } finally {
      busy = false;
      input.removeAttribute("aria-busy");
    }
  });
}
