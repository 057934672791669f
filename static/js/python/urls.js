// The /python JSON API's addresses (the fixed HTTP contract of ../shared/DESIGN.md), in one place.

const id = (value) => encodeURIComponent(value);

export const urls = {
  status: "/python/status",
  events: "/python/events",
  stopAll: "/python/stop-all",
  checkContracts: "/python/check-contracts",
  upload: "/python/upload",
  dashboard: "/python",
  start: (s) => `/python/start/${id(s)}`,
  stop: (s) => `/python/stop/${id(s)}`,
  remove: (s) => `/python/delete/${id(s)}`,
  clearError: (s) => `/python/clear-error/${id(s)}`,
  edit: (s) => `/python/edit/${id(s)}`,
  logs: (s) => `/python/logs/${id(s)}`,
  save: (s) => `/python/save/${id(s)}`,
  script: (s) => `/python/script/${id(s)}`,
  exportFile: (s) => `/python/export/${id(s)}`,
  env: (s) => `/python/env/${id(s)}`,
  schedule: (s) => `/python/schedule/${id(s)}`,
  unschedule: (s) => `/python/unschedule/${id(s)}`,
  tail: (s) => `/python/logs/${id(s)}/tail`,
  stream: (s) => `/python/logs/${id(s)}/stream`,
  runs: (s) => `/python/logs/${id(s)}/runs`,
  download: (s) => `/python/logs/${id(s)}/download`,
  clearLogs: (s) => `/python/logs/${id(s)}/clear`,
  card: (s) => `/python#strategy-${id(s)}`,
};

/** `url` with query parameters added (values that are null/undefined are left out). */
export function withQuery(url, params) {
  const query = Object.entries(params)
    .filter(([, value]) => value !== null && value !== undefined && value !== "")
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join("&");
  return query ? `${url}${url.includes("?") ? "&" : "?"}${query}` : url;
}
