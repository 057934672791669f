"""What machines call under ``/strategy``: ``POST /strategy/webhook/<webhook_id>`` (TradingView, the
``openalgo`` SDK's ``Strategy.strategyorder``, cron jobs).

CSRF-exempt: the webhook id in the URL is the credential (masked in every log). Answers in
OpenAlgo's shape, ``{"status": "success" | "error", ...}``, with real status codes. The body is
read raw, whatever the content type says: TradingView sends JSON as ``text/plain``.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException

from blueprints.http_errors import TITLES, status_for
from blueprints.json_input import parse_json_body
from blueprints.web import host
from services import errors
from services.webhooks.alerts import MAX_BODY_BYTES
from services.webhooks.receiver import Inbound

log = logging.getLogger(__name__)

bp = Blueprint("strategy_machine", __name__, url_prefix="/strategy")

#: a custom strategy's run takes a larger payload than an alert
MAX_EXECUTE_BYTES = 64 * 1024
#: what is kept of the request with a delivery (never cookies or authorization)
RECORDED_HEADERS = ("Content-Type", "User-Agent", "Idempotency-Key", "X-Request-Id")


def _respond(payload: dict[str, Any], status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status=status, mimetype="application/json")


@bp.post("/webhook/<webhook_id>")
def webhook(webhook_id: str) -> Response:
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise errors.PayloadTooLarge(f"The alert is larger than {MAX_BODY_BYTES // 1024} KB.")
    strategy = host().webhooks.strategies.by_webhook_id(webhook_id)
    if strategy is not None and strategy.definition.custom is not None:
        # A custom strategy's webhook runs it (the alert's body is its payload).
        answer = host().execution.desk.on_webhook(strategy, _json_object(MAX_BODY_BYTES))
        return _respond(answer.body, answer.code)
    inbound = Inbound(
        webhook_id=webhook_id,
        body=request.get_data(cache=False),
        sender=request.remote_addr or "",
        headers={name: request.headers[name][:200] for name in RECORDED_HEADERS if name in request.headers},
    )
    reply = host().webhooks.receiver.receive(inbound)
    return _respond({"status": "success", **reply.as_dict()})


@bp.post("/execute/<webhook_id>")
def execute(webhook_id: str) -> Response:
    """Run a custom strategy: ``?mode=immediate`` (``&wait=S`` caps the wait). The host's API key
    comes as ``apikey`` in the body or the ``X-API-KEY`` header; the rest of the body is the run's
    payload."""
    payload = _json_object(MAX_EXECUTE_BYTES)
    body_key = payload.pop("apikey", None)
    api_key = body_key if isinstance(body_key, str) and body_key else request.headers.get("X-API-KEY")
    mode = request.args.get("mode", "immediate")
    answer = host().execution.desk.execute(webhook_id, api_key, payload, mode, request.args.get("wait"))
    return _respond(answer.body, answer.code)


def _json_object(limit: int) -> dict[str, Any]:
    """The body as a JSON object whatever the content type says (empty: ``{}``)."""
    if (request.content_length or 0) > limit:
        raise errors.PayloadTooLarge(f"The body is larger than {limit // 1024} KB.")
    raw = request.get_data(cache=False)
    if len(raw) > limit:
        raise errors.PayloadTooLarge(f"The body is larger than {limit // 1024} KB.")
    if not raw.strip():
        return {}
    value = parse_json_body(raw)
    if not isinstance(value, dict):
        raise errors.InvalidInput("The body must be a JSON object.", details={"error": "malformed JSON"})
    return value


@bp.errorhandler(errors.HostError)
def _host_error(error: errors.HostError) -> Response:
    status = status_for(error)
    payload: dict[str, Any] = {"status": "error", "message": error.message}
    if error.fields:
        payload["fields"] = error.fields
    payload.update({k: v for k, v in error.details.items() if k not in payload})
    return _respond(payload, status)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    message = {
        405: "This address accepts POST requests with the alert as the body.",
        413: f"The alert is larger than {MAX_BODY_BYTES // 1024} KB.",
    }.get(status, error.description or TITLES.get(status, "Error"))
    return _respond({"status": "error", "message": message}, status)


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> Response:
    log.exception("Unhandled error in a webhook")
    return _respond({"status": "error", "message": "An unexpected error occurred; it has been logged."}, 500)
