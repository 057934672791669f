// The strategies list: each row's "Active" switch.

import { bindActiveSwitch } from "./active-switch.js";

document.querySelectorAll("[data-toggle-active]").forEach((input) => {
  bindActiveSwitch(input, input.dataset.toggleActive);
});
