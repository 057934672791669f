// fetch() helpers that speak the host's JSON envelope and carry the CSRF token.

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

export class HttpError extends Error {
  constructor(message, status, data) {
    super(message);
    this.status = status;
    this.data = data || {};
  }
}

async function parse(response) {
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  if (!response.ok || (body && body.success === false)) {
    const message = (body && body.message) || `Request failed (HTTP ${response.status})`;
    throw new HttpError(message, response.status, body && body.data);
  }
  return body || {};
}

export async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  return parse(response);
}

export async function postJSON(url, payload) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(payload === undefined ? {} : payload),
  });
  return parse(response);
}

export async function postForm(url, formData) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    body: formData,
  });
  return parse(response);
}
