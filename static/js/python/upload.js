// The upload page: file picker and drag-and-drop, name, exchange and an optional schedule. The
// schedule is a second request once the upload succeeded; if it fails the strategy exists already,
// so the page says so, links to it, and offers to set the schedule again (never a second upload).

import { postForm, postJSON } from "../http.js";
import { clearFieldErrors, showFieldErrors } from "../fields.js";
import { bindScheduleForm, fillSchedule, readSchedule } from "./schedule-form.js";
import { urls } from "./urls.js";

const form = document.querySelector("[data-upload-form]");
const fileInput = form.querySelector('input[type="file"]');
const nameInput = form.querySelector('[name="name"]');
const exchange = form.querySelector('select[name="exchange"]');
const dropZone = form.querySelector("[data-drop-zone]");
const dropText = form.querySelector("[data-drop-text]");
const scheduleToggle = form.querySelector("[data-schedule-toggle]");
const schedulePart = form.querySelector("[data-schedule-part]");
const errorBox = form.querySelector("[data-upload-error]");
const submit = form.querySelector("[data-submit]");
let nameTyped = false;
let created = null;  // {id, name} once the upload succeeded

// --- the file --------------------------------------------------------------------------------------
function fileChosen() {
  const file = fileInput.files && fileInput.files[0];
  dropText.textContent = file ? `${file.name} (${file.size.toLocaleString()} bytes)` : "Drop a .py file here, or choose one";
  if (file && !nameTyped) nameInput.value = file.name.replace(/\.py$/i, "");
}

fileInput.addEventListener("change", fileChosen);
nameInput.addEventListener("input", () => { nameTyped = nameInput.value !== ""; });
for (const type of ["dragenter", "dragover"]) {
  dropZone.addEventListener(type, (event) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    dropZone.classList.add("is-over");
  });
}
dropZone.addEventListener("dragleave", () => dropZone.classList.remove("is-over"));
dropZone.addEventListener("drop", (event) => {
  event.preventDefault();
  dropZone.classList.remove("is-over");
  if (event.dataTransfer.files.length) {
    fileInput.files = event.dataTransfer.files;
    fileChosen();
  }
});

// --- the schedule ----------------------------------------------------------------------------------
bindScheduleForm(schedulePart, { exchangeSelect: exchange });
scheduleToggle.addEventListener("change", () => {
  schedulePart.hidden = !scheduleToggle.checked;
  if (scheduleToggle.checked && !schedulePart.dataset.filled) {
    fillSchedule(schedulePart, null, { exchange: exchange.value });
    schedulePart.dataset.filled = "true";
  }
});

// --- submitting ------------------------------------------------------------------------------------
function showError(message, link = null) {
  errorBox.replaceChildren(document.createTextNode(message));
  if (link) {
    errorBox.append(" ");
    const anchor = document.createElement("a");
    anchor.href = link.href;
    anchor.textContent = link.text;
    errorBox.append(anchor);
  }
  errorBox.hidden = false;
}

function hideError() {
  errorBox.hidden = true;
  errorBox.replaceChildren();
}

async function upload() {
  const data = new FormData();
  data.append("name", nameInput.value);
  data.append("exchange", exchange.value);
  const file = fileInput.files && fileInput.files[0];
  if (file) data.append("file", file, file.name);
  const body = await postForm(urls.upload, data);
  return { id: body.data.id, name: body.data.name };
}

function lockUpload() {
  // The strategy exists now: only its schedule can still be sent from this page.
  for (const control of [fileInput, nameInput, exchange, scheduleToggle]) control.disabled = true;
  submit.textContent = "Set schedule";
}

async function onSubmit(event) {
  event.preventDefault();
  clearFieldErrors(form);
  hideError();
  submit.disabled = true;
  try {
    if (!created) {
      try {
        created = await upload();
      } catch (error) {
        const unplaced = showFieldErrors(form, error.data && error.data.fields);
        showError(unplaced.length ? `${error.message} ${unplaced.join(" ")}` : error.message);
        return;
      }
    }
    if (scheduleToggle.checked) {
      try {
        await postJSON(urls.schedule(created.id), readSchedule(schedulePart, { exchange: exchange.value }));
      } catch (error) {
        lockUpload();
        const unplaced = showFieldErrors(form, error.data && error.data.fields);
        const reason = error.status === 404 && !(error.data && error.data.fields)
          ? "scheduling is not available on this host yet"
          : [error.message, ...unplaced].join(" ").replace(/\.$/, "");
        showError(`“${created.name}” was uploaded, but its schedule was not set: ${reason}.`,
          { href: urls.card(created.id), text: "Open it on the dashboard" });
        return;
      }
    }
    window.location.assign(urls.card(created.id));
  } finally {
    submit.disabled = false;
  }
}

form.addEventListener("submit", onSubmit);
