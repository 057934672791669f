// The log viewer page: the latest run's last 100,000 lines, then new lines live over Server-Sent
// Events (polling the tail endpoint as a fallback), follow/pause, search with highlights, stderr
// marked (static/js/logview.js), a run selector for earlier runs, download and clear.

import { getJSON, postJSON } from "../http.js";
import { subscribe } from "../live.js";
import { bindLogControls, createLogView } from "../logview.js";
import { confirmAction, toast } from "../ui.js";
import { runText } from "../format.js";
import { liveStateText } from "./status-feed.js";
import { urls, withQuery } from "./urls.js";

const state = JSON.parse(document.getElementById("log-state").textContent);
const parts = {
  runSelect: document.querySelector("[data-run-select]"),
  liveState: document.querySelector("[data-live-state]"),
  download: document.querySelector("[data-download]"),
  clear: document.querySelector("[data-clear]"),
  lineCount: document.querySelector("[data-line-count]"),
};
const view = createLogView(document.querySelector("[data-log]"), {
  label: `Log of ${state.name}`,
  emptyText: "No output yet. Lines appear here as soon as the strategy prints them.",
});
bindLogControls(view, {
  followButton: document.querySelector("[data-follow]"),
  searchInput: document.querySelector("[data-search]"),
  nextButton: document.querySelector("[data-next]"),
  prevButton: document.querySelector("[data-prev]"),
  countLabel: document.querySelector("[data-match-count]"),
});
view.onUpdate((update) => {
  parts.lineCount.textContent = `${update.lines.toLocaleString("en-IN")} line${update.lines === 1 ? "" : "s"}`;
});

let runs = state.runs;
let shownRun = null;          // the run on screen; null = the latest (live)
let position = { file: null, offset: 0 };
let liveRun = null;        // the run the live stream is in
let stream = null;
let loadToken = 0;

function setLiveState(text, key) {
  parts.liveState.textContent = text;
  parts.liveState.dataset.state = key;
}

// --- runs --------------------------------------------------------------------------------------------
function renderRuns(selected) {
  const options = runs.map((run) => {
    const option = document.createElement("option");
    option.value = run.run;
    option.textContent = runText(run);
    if (run.current) option.dataset.current = "true";
    return option;
  });
  if (!options.length) {
    const none = document.createElement("option");
    none.value = "";
    none.textContent = "No runs yet";
    options.push(none);
  }
  parts.runSelect.replaceChildren(...options);
  parts.runSelect.disabled = runs.length === 0;
  const latest = runs.find((run) => run.current);
  parts.runSelect.value = selected || (latest ? latest.run : "");
  updateDownload();
}

function updateDownload() {
  const run = parts.runSelect.value;
  parts.download.hidden = runs.length === 0;
  parts.download.href = withQuery(urls.download(state.id), { run });
}

async function refreshRuns() {
  try {
    const body = await getJSON(urls.runs(state.id));
    runs = body.data.runs;
    renderRuns(shownRun);
  } catch (error) { /* the selector keeps what it had */ }
}

// --- live lines ----------------------------------------------------------------------------------------
function stopStream() {
  if (stream) stream();
  stream = null;
}

function receive(chunk) {
  if (!chunk || !Array.isArray(chunk.lines)) return;
  if (chunk.reset) view.setLines(chunk.lines);
  else if (chunk.lines.length) view.append(chunk.lines);
  if (chunk.file) position = { file: chunk.file, offset: chunk.offset };
  if (chunk.run && chunk.run !== liveRun) {
    const known = runs.some((run) => run.run === chunk.run && run.current);
    liveRun = chunk.run;
    if (!known) refreshRuns();  // a new run began while we watched: list it
  }
}

function startStream() {
  stopStream();
  stream = subscribe(
    (lastEventId) => (lastEventId
      ? withQuery(urls.stream(state.id), { last_event_id: lastEventId })
      : withQuery(urls.stream(state.id), { file: position.file, offset: position.file ? position.offset : null })),
    {
      events: ["lines"],
      onMessage: receive,
      onStatus: (status) => setLiveState(liveStateText(status), status),
      pollUrl: () => withQuery(urls.tail(state.id), { file: position.file, offset: position.offset }),
      fromPoll: (body) => [{ data: body.data, type: "lines", id: body.data && body.data.file ? `${body.data.file}:${body.data.offset}` : null }],
      pollIntervalMs: 1000,
    },
  );
}

// --- loading a run -------------------------------------------------------------------------------------
async function load(run) {
  const token = ++loadToken;
  stopStream();
  shownRun = run;
  setLiveState("Loading…", "connecting");
  try {
    const body = await getJSON(withQuery(urls.tail(state.id), { lines: state.lines, run }));
    if (token !== loadToken) return;
    const tail = body.data;
    view.setLines(tail.lines);
    view.follow();
    position = { file: tail.file, offset: tail.offset };
    liveRun = tail.run;
    if (run === null) startStream();
    else setLiveState("Earlier run (not live)", "closed");
  } catch (error) {
    if (token !== loadToken) return;
    if (error.status === 404 && run === null) {  // no log yet: wait for the first lines
      view.setLines([]);
      position = { file: null, offset: 0 };
      liveRun = null;
      startStream();
    } else {
      setLiveState("Not loaded", "closed");
      toast(error.message, "error", 8000);
    }
  }
}

parts.runSelect.addEventListener("change", () => {
  const chosen = runs.find((run) => run.run === parts.runSelect.value);
  updateDownload();
  load(chosen && !chosen.current ? chosen.run : null);
});

parts.clear.addEventListener("click", async () => {
  const ok = await confirmAction(`Clear the log of “${state.name}”? Every run's log is deleted for good.`, {
    confirmLabel: "Clear log", danger: true,
  });
  if (!ok) return;
  try {
    const body = await postJSON(urls.clearLogs(state.id));
    toast(body.message || "Log cleared.", "success");
    runs = [];
    renderRuns(null);
    await load(null);
    refreshRuns();
  } catch (error) {
    toast(error.message, "error", 8000);
  }
});

renderRuns(null);
load(null).then(() => {
  document.documentElement.dataset.logsReady = "true";
  performance.mark("python:logs-ready");  // read by benchmarks/bench_dashboard.py
});
