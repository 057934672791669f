// Log line kinds for static/js/logview.js: which lines came from stderr or from the host itself.

/**
 * What kind of line is this: "stderr", "host" (the host's own lines: run header, footer, notes) or
 * "stdout". Two stamp formats are understood:
 *   `[2026-11-21 09:15:00.123 IST] message`             stdout   (what the host writes today:
 *   `[2026-11-21 09:15:00.123 IST] [stderr] message`    stderr    services/hosting/logs.py)
 *   `[2026-11-21 09:15:00.123 IST] [host] message`      host
 *   `2026-11-21 09:15:00.123 IST | message`             stdout
 *   `2026-11-21 09:15:00.123 IST ERR | message`         stderr (ERR or STDERR before the first "|")
 * Lines without a stamp are stdout. Adapt here if the format changes, or pass `classify` (or
 * `isStderr`) to createLogView.
 */
export function classifyLine(text) {
  if (text.charCodeAt(0) === 91 /* [ */) {
    const close = text.indexOf("] [");
    if (close > 0 && close <= 40) {
      if (text.startsWith("[stderr] ", close + 2)) return "stderr";
      if (text.startsWith("[host] ", close + 2)) return "host";
    }
    return "stdout";
  }
  const bar = text.indexOf("|");
  if (bar > 0 && bar <= 48 && /\b(?:ERR|STDERR)\b/i.test(text.slice(0, bar))) return "stderr";
  return "stdout";
}

/** True for a stderr line (see classifyLine). */
export function isStderrLine(text) {
  return classifyLine(text) === "stderr";
}
