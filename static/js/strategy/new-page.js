// The new-strategy page: send the definition, show the server's errors next to their fields, and
// open the strategy's page once it exists.

import { postJSON } from "../http.js";
import { clearFieldErrors, showFieldErrors } from "../fields.js";
import { bindDefinitionForm, readDefinition } from "./definition-form.js";
import { urls } from "./urls.js";

const form = document.querySelector("[data-new-strategy]");
const submit = form.querySelector("[data-submit]");
const errorBox = form.querySelector("[data-form-error]");

bindDefinitionForm(form, { followDefaults: true });

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearFieldErrors(form);
  errorBox.hidden = true;
  submit.disabled = true;
  try {
    const body = await postJSON(urls.strategies, readDefinition(form));
    window.location.assign(urls.page(body.data.id));
  } catch (error) {
    const unplaced = showFieldErrors(form, error.data && error.data.fields);
    errorBox.textContent = unplaced.length ? `${error.message} ${unplaced.join(" ")}` : error.message;
    errorBox.hidden = false;
    submit.disabled = false;
  }
});
