"""What every /api/v1 endpoint shares: the blueprint, API-key check, OpenAlgo envelopes, errors.

OpenAlgo's shapes: ``{"status": "success", ...}`` and ``{"status": "error", "message": ...}``,
plus ``"mode": "analyze"`` while the sandbox broker answers. Bodies are serialised with orjson:
a year of 1-minute candles is ~95,000 objects.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException

from blueprints.http_errors import TITLES, status_for
from blueprints.web import host, json_body
from services import errors
from services.execution.tokens import READ_ONLY
from services.orders.router import Caller

log = logging.getLogger(__name__)

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")

INVALID_KEY = "Invalid openalgo apikey"


def respond(payload: dict[str, Any], status: int = 200) -> Response:
    mode = host().venue.broker.mode
    if mode is not None:
        payload["mode"] = mode
    return Response(orjson.dumps(payload), status=status, mimetype="application/json")


def success(**fields: Any) -> Response:
    return respond({"status": "success", **fields})


def body() -> dict[str, Any]:
    """The JSON object of the request (query parameters for a GET)."""
    if request.method == "GET":
        return dict(request.args)
    return json_body()


def _api_key(payload: dict[str, Any]) -> str:
    key = payload.get("apikey")
    if not isinstance(key, str) or not key.strip():
        raise errors.InvalidInput("Invalid input: apikey is required.", fields={"apikey": "is required"})
    return key.strip()


def caller(payload: dict[str, Any]) -> int:
    """The user the ``apikey`` belongs to (400 when missing, 403 when unknown): the host's API key,
    or a running custom-strategy execution's read-only token (market data and account views)."""
    key = _api_key(payload)
    user_id = host().api_keys.owner_of(key)
    if user_id is None:
        user_id = host().execution.tokens.owner_of(key)
    if user_id is None:
        raise errors.PermissionDenied(INVALID_KEY)
    return user_id


def order_caller(payload: dict[str, Any]) -> Caller:
    """Who sends an order through the order router: the key's user, counted by that key. An
    execution's token is refused (403): a custom strategy trades only by returning signals."""
    key = _api_key(payload)
    user_id = host().api_keys.owner_of(key)
    if user_id is None:
        if host().execution.tokens.owner_of(key) is not None:
            raise errors.PermissionDenied(READ_ONLY)
        raise errors.PermissionDenied(INVALID_KEY)
    return Caller(account=user_id, api_key=key)


@bp.errorhandler(errors.HostError)
def _host_error(error: errors.HostError) -> Response:
    status = status_for(error)
    if status >= 500:
        log.error("API %s failed: %s", request.path, error.message)
    payload: dict[str, Any] = {"status": "error", "message": error.message}
    if error.fields:
        payload["fields"] = error.fields
    payload.update({k: v for k, v in error.details.items() if k not in payload})
    return respond(payload, status)


@bp.route("/<path:unknown>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown_endpoint(unknown: str) -> Response:
    """Unknown paths and wrong methods under /api/v1 answer in OpenAlgo's shape too."""
    path = f"{bp.url_prefix}/{unknown}"
    known = any(rule.rule == path for rule in current_app.url_map.iter_rules())
    if known:
        return respond(
            {"status": "error", "message": "This endpoint accepts POST requests with a JSON body."}, 405
        )
    return respond({"status": "error", "message": f"There is no API endpoint {path}."}, 404)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    message = {405: "This endpoint accepts POST requests with a JSON body."}.get(
        status, error.description or TITLES.get(status, "Error")
    )
    return respond({"status": "error", "message": message}, status)


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> Response:
    log.exception("Unhandled error in %s", request.path)
    return respond({"status": "error", "message": "An unexpected error occurred; it has been logged."}, 500)
