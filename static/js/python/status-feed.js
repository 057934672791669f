// The host's strategy statuses, live: /python/events (Server-Sent Events), falling back to polling
// /python/status. The page decides what to do with each message.

import { subscribe } from "../live.js";
import { urls } from "./urls.js";

/**
 * followStatuses({onSnapshot(board), onChange(entry, kind), onDelete(id), onState(state)}) → unsubscribe
 *   board: {strategies: [...entries], master_contract, now_ist} (on connect, after a gap, each poll)
 *   kind:  what happened to one strategy (created, starting, started, crashed, stopped, updated ...)
 *   state: "connecting" | "live" | "polling" | "paused" | "closed"
 * The returned function also has .transport() → "sse" | "poll".
 */
export function followStatuses({ onSnapshot, onChange, onDelete = () => {}, onState = () => {} }) {
  return subscribe(urls.events, {
    events: ["snapshot", "status"],
    pollUrl: urls.status,
    pollIntervalMs: 2000,
    fromPoll: (body) => [{ data: body && body.data, type: "snapshot", id: null }],
    onStatus: onState,
    onMessage(data, meta) {
      if (!data || typeof data !== "object") return;
      if (meta.type === "snapshot") {
        if (Array.isArray(data.strategies)) onSnapshot(data, meta);
      } else if (data.kind === "deleted") {
        onDelete(data.id);
      } else if (data.strategy && data.strategy.id) {
        onChange(data.strategy, data.kind);
      }
    },
  });
}

/** Words for the connection state, for a small status label. */
export function liveStateText(state) {
  return {
    connecting: "Connecting…", live: "Live", polling: "Live (polling)", paused: "Paused", closed: "Offline",
  }[state] || state;
}
