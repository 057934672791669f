// API key page: reveal, copy and regenerate (with confirmation) without a page reload.
import { postJSON } from "./http.js";
import { confirmAction, toast } from "./ui.js";

const input = document.querySelector("[data-api-key]");
const reveal = document.querySelector("[data-key-reveal]");
const copy = document.querySelector("[data-key-copy]");
const status = document.querySelector("[data-key-status]");
const form = document.querySelector("[data-key-regenerate]");

reveal?.addEventListener("click", () => {
  const shown = input.type === "text";
  input.type = shown ? "password" : "text";
  reveal.textContent = shown ? "Show" : "Hide";
  reveal.setAttribute("aria-pressed", String(!shown));
});

copy?.addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(input.value);
    status.textContent = "Copied to the clipboard.";
  } catch (e) {
    input.type = "text";
    input.select();
    status.textContent = "Press Ctrl+C to copy.";
  }
});

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const sure = await confirmAction("Generate a new API key? The current key stops working immediately.", {
    confirmLabel: "Regenerate", danger: true,
  });
  if (!sure) return;
  try {
    const body = await postJSON(form.action, {});
    input.value = body.data.api_key;
    status.textContent = "New key generated. Update any script that has the old key.";
    toast(body.message, "success");
  } catch (error) {
    toast(error.message, "error");
  }
});
