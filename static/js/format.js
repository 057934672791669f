// Display text for status entries: the same output as blueprints/python/format.py, so a card reads
// the same before and after a live update. Presentation only.

export const DASH = "–";
const isNumber = (value) => typeof value === "number" && Number.isFinite(value);
const pad = (value) => String(value).padStart(2, "0");

export function uptimeText(seconds) {
  if (!isNumber(seconds) || seconds < 0) return DASH;
  const whole = Math.floor(seconds);
  if (whole < 60) return `${whole} s`;
  let minutes = Math.floor(whole / 60);
  const secs = whole % 60;
  if (minutes < 60) return `${minutes} m ${pad(secs)} s`;
  let hours = Math.floor(minutes / 60);
  minutes %= 60;
  if (hours < 24) return `${hours} h ${pad(minutes)} m`;
  const days = Math.floor(hours / 24);
  hours %= 24;
  return `${days} d ${pad(hours)} h`;
}

export const cpuText = (percent) => (isNumber(percent) ? `${percent.toFixed(1)} %` : DASH);
export const memoryText = (mb) => (isNumber(mb) ? `${mb.toFixed(1)} MB` : DASH);

const MOMENT = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Asia/Kolkata", weekday: "short", day: "2-digit", month: "numeric",
  hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
});
// Fixed English abbreviations, as Python's strftime("%b") writes them (ICU says "Sept").
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** An ISO timestamp as "Tue 24 Nov 09:15" in IST ("09:15:02" with seconds). */
export function momentText(iso, { seconds = false } = {}) {
  if (typeof iso !== "string" || !iso) return DASH;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = Object.fromEntries(MOMENT.formatToParts(date).map((p) => [p.type, p.value]));
  const time = `${parts.hour}:${parts.minute}${seconds ? `:${parts.second}` : ""}`;
  return `${parts.weekday} ${parts.day} ${MONTHS[Number(parts.month) - 1]} ${time}`;
}

const CLOCK = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Asia/Kolkata", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
});
export const clockText = (date = new Date()) => `${CLOCK.format(date)} IST`;

export function lastExitText(entry) {
  if (entry.exit_signal) return `signal ${entry.exit_signal}`;
  if (entry.exit_code !== null && entry.exit_code !== undefined) return `code ${entry.exit_code}`;
  return DASH;
}

export function scheduleText(entry) {
  const schedule = entry.schedule;
  if (entry.scheduled && schedule && schedule.summary) return String(schedule.summary);
  return entry.scheduled ? "Scheduled" : "Not scheduled";
}

/** A log run in the run selector (as blueprints/python/format.py run_text). */
export function runText(run) {
  const label = run.started ? `${momentText(run.started, { seconds: true })} IST` : String(run.run || "");
  return run.current ? `${label} (latest)` : label;
}
