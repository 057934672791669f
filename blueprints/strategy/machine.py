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
from blueprints.web import host
from services import errors
from services.webhooks.alerts import MAX_BODY_BYTES
from services.webhooks.receiver import Inbound

log = logging.getLogger(__name__)

bp = Blueprint("strategy_machine", __name__, url_prefix="/strategy")

#: what is kept of the request with a delivery (never cookies or authorization)
RECORDED_HEADERS = ("Content-Type", "User-Agent", "Idempotency-Key", "X-Request-Id")


def _respond(payload: dict[str, Any], status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status=status, mimetype="application/json")


@bp.post("/webhook/<webhook_id>")
def webhook(webhook_id: str) -> Response:
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise errors.PayloadTooLarge(f"The alert is larger than {MAX_BODY_BYTES // 1024} KB.")
    inbound = Inbound(
        webhook_id=webhook_id,
        body=request.get_data(cache=False),
        sender=request.remote_addr or "",
        headers={name: request.headers[name][:200] for name in RECORDED_HEADERS if name in request.headers},
    )
    reply = host().webhooks.receiver.receive(inbound)
    return _respond({"status": "success", **reply.as_dict()})


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
