// Live updates from the host: Server-Sent Events, with a fallback to polling when SSE keeps failing.
//
//   import { subscribe } from "./live.js";
//   const unsubscribe = subscribe("/python/events", {
//     events: ["status", "line"],          // SSE event names to listen for (default ["message"])
//     onMessage(data, meta) {},            // data: parsed JSON (or the raw string); meta: {type, id, transport}
//     onOpen({transport}) {},              // "sse" connected, or "poll" started
//     onError(error, {transport, failures}) {},
//     onStatus(status) {},                 // "connecting" | "live" | "polling" | "paused" | "closed"
//     pollUrl: "/python/status",           // or (lastEventId) => url; without it there is no fallback
//     pollIntervalMs: 2000,
//     fromPoll(body) { return [{data: body.data, type: "snapshot", id: null}]; },  // poll JSON → messages
//   });
//   unsubscribe();                         // closes the stream / stops polling, for good
//
// With `sse: false` there is no stream at all: `pollUrl` is polled every `pollIntervalMs` (backing
// off on errors, paused while the tab is hidden) and `url` is ignored; for data that lives in the
// database rather than in one host's memory (an event stream would miss what another host wrote).
//
// EventSource reconnects by itself and sends Last-Event-ID when it does. When this module re-opens a
// stream itself (after the tab was hidden, or when it retries SSE after polling) it passes the last
// id in the URL: `url` may be a function (lastEventId) => url, or a string to which
// `?<resumeParam>=<id>` is appended (resumeParam defaults to "last_event_id"; null disables it).
// No business rules here: the page decides what a message means.

const DEFAULTS = {
  sse: true,                // false: poll `pollUrl` only, never open an event stream
  events: ["message"],
  json: true,
  onMessage: null,
  onOpen: null,
  onError: null,
  onStatus: null,
  pollUrl: null,
  pollIntervalMs: 2000,
  maxPollIntervalMs: 30000,
  fromPoll: null,
  maxFailures: 3,           // consecutive SSE errors before falling back to polling
  stableOpenMs: 5000,       // a connection that stayed open this long resets the failure count
  sseRetryMs: 30000,        // while polling, try SSE again this often (0 = never)
  pauseWhenHidden: true,
  resumeParam: "last_event_id",
  lastEventId: null,
};

function withParam(url, name, value) {
  const separator = url.includes("?") ? "&" : "?";
  return `${url}${separator}${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
}

function defaultFromPoll(body) {
  const data = body && Object.prototype.hasOwnProperty.call(body, "data") ? body.data : body;
  return [{ data, type: "snapshot", id: null }];
}

/** Subscribe to `url` (SSE). Returns an unsubscribe function (it also has `.status()`). */
export function subscribe(url, options = {}) {
  const o = { ...DEFAULTS, ...options };
  const fromPoll = o.fromPoll || defaultFromPoll;
  let lastEventId = o.lastEventId;
  let source = null;
  let failures = 0;
  let openedAt = 0;
  let mode = o.sse ? "sse" : "poll";  // "sse" or "poll"
  let status = "connecting";
  let closed = false;
  let paused = false;
  let pollTimer = null;
  let retryTimer = null;
  let pollDelay = o.pollIntervalMs;
  let pollAbort = null;

  const setStatus = (next) => {
    if (next === status) return;
    status = next;
    if (o.onStatus) o.onStatus(next);
  };
  const report = (error) => { if (o.onError) o.onError(error, { transport: mode, failures }); };

  function deliver(raw, type, id, transport) {
    if (id !== undefined && id !== null && id !== "") lastEventId = id;
    let data = raw;
    if (o.json && typeof raw === "string") {
      try { data = JSON.parse(raw); } catch (e) { data = raw; }
    }
    if (o.onMessage) o.onMessage(data, { type, id: id ?? null, transport });
  }

  function streamUrl() {
    if (typeof url === "function") return url(lastEventId);
    if (lastEventId !== null && lastEventId !== undefined && o.resumeParam) return withParam(url, o.resumeParam, lastEventId);
    return url;
  }

  // --- Server-Sent Events ------------------------------------------------------------------------
  function openStream() {
    closeStream();
    if (closed || paused) return;
    if (typeof window.EventSource !== "function") {
      if (o.pollUrl) startPolling(); else { report(new Error("EventSource is not available")); setStatus("closed"); }
      return;
    }
    mode = "sse";
    setStatus("connecting");
    const es = new EventSource(streamUrl());
    source = es;
    es.onopen = () => {
      if (source !== es) return;
      openedAt = Date.now();
      setStatus("live");
      if (o.onOpen) o.onOpen({ transport: "sse" });
    };
    for (const type of o.events) {
      es.addEventListener(type, (event) => {
        if (source !== es) return;
        failures = 0;
        deliver(event.data, type, event.lastEventId, "sse");
      });
    }
    es.onerror = () => {
      if (source !== es) return;
      if (openedAt && Date.now() - openedAt >= o.stableOpenMs) failures = 0;
      openedAt = 0;
      failures += 1;
      report(new Error(es.readyState === EventSource.CLOSED ? "event stream refused" : "event stream interrupted"));
      const gaveUp = es.readyState === EventSource.CLOSED;
      if (o.pollUrl && (gaveUp || failures >= o.maxFailures)) {
        startPolling();
      } else if (gaveUp) {
        // No fallback configured: re-open ourselves after a pause (the browser will not).
        closeStream();
        setStatus("connecting");
        retryTimer = window.setTimeout(openStream, Math.min(1000 * 2 ** failures, o.maxPollIntervalMs));
      } else {
        setStatus("connecting");  // the browser retries by itself
      }
    };
  }

  function closeStream() {
    if (source) {
      source.onopen = null;
      source.onerror = null;
      source.close();
      source = null;
    }
    window.clearTimeout(retryTimer);
    retryTimer = null;
  }

  // --- polling -----------------------------------------------------------------------------------
  function startPolling() {
    closeStream();
    if (closed || paused) return;
    mode = "poll";
    pollDelay = o.pollIntervalMs;
    setStatus("polling");
    if (o.onOpen) o.onOpen({ transport: "poll" });
    pollOnce();
    if (o.sse && o.sseRetryMs > 0) {
      retryTimer = window.setTimeout(() => { stopPolling(); failures = 0; openStream(); }, o.sseRetryMs);
    }
  }

  async function pollOnce() {
    pollTimer = null;
    if (closed || paused || mode !== "poll") return;
    const target = typeof o.pollUrl === "function" ? o.pollUrl(lastEventId) : o.pollUrl;
    pollAbort = new AbortController();
    try {
      const response = await fetch(target, {
        headers: { Accept: "application/json" }, credentials: "same-origin", signal: pollAbort.signal,
      });
      if (!response.ok) {
        const error = new Error(`Polling failed (HTTP ${response.status})`);
        error.status = response.status;
        throw error;
      }
      const body = await response.json();
      if (closed || paused || mode !== "poll") return;
      for (const message of fromPoll(body) || []) deliver(message.data, message.type || "snapshot", message.id, "poll");
      pollDelay = o.pollIntervalMs;
    } catch (error) {
      if (error && error.name === "AbortError") return;
      report(error);
      pollDelay = Math.min(pollDelay * 2, o.maxPollIntervalMs);
    } finally {
      pollAbort = null;
    }
    if (!closed && !paused && mode === "poll") pollTimer = window.setTimeout(pollOnce, pollDelay);
  }

  function stopPolling() {
    window.clearTimeout(pollTimer);
    pollTimer = null;
    if (pollAbort) pollAbort.abort();
    pollAbort = null;
  }

  // --- hidden tabs -------------------------------------------------------------------------------
  function onVisibility() {
    if (closed) return;
    if (document.hidden) {
      paused = true;
      closeStream();
      stopPolling();
      setStatus("paused");
    } else if (paused) {
      paused = false;
      if (mode === "poll") startPolling(); else openStream();
    }
  }
  if (o.pauseWhenHidden) document.addEventListener("visibilitychange", onVisibility);

  function unsubscribe() {
    if (closed) return;
    closed = true;
    document.removeEventListener("visibilitychange", onVisibility);
    closeStream();
    stopPolling();
    setStatus("closed");
  }
  unsubscribe.status = () => status;
  unsubscribe.transport = () => mode;
  unsubscribe.lastEventId = () => lastEventId;

  if (o.pauseWhenHidden && document.hidden) {
    paused = true;
    setStatus("paused");
  } else if (mode === "poll") {
    startPolling();
  } else {
    openStream();
  }
  return unsubscribe;
}
