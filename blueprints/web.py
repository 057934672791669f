"""Small helpers shared by every blueprint: the Host, content negotiation, JSON envelopes."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request

from services.errors import InvalidInput
from services.host import Host
from services.live.streams import LiveStream

HOST_EXTENSION = "openalgo_host"


def host() -> Host:
    """The Host of the running app."""
    return current_app.extensions[HOST_EXTENSION]  # type: ignore[no-any-return]


def wants_json() -> bool:
    """True for API / fetch clients, False for a browser navigating to a page.

    Browsers list ``text/html`` explicitly when navigating; fetch(), curl and the SDK do not.
    """
    if request.is_json or request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return True
    if request.path.startswith("/api/"):
        return True
    return not any(mimetype == "text/html" for mimetype, _q in request.accept_mimetypes)


def ok(data: Any = None, message: str = "", status: int = 200) -> tuple[Response, int]:
    """The host's JSON success envelope: ``{"success": true, "message": ..., "data": ...}``."""
    return jsonify(success=True, message=message, data=data if data is not None else {}), status


def fail(message: str, status: int, data: Any = None) -> tuple[Response, int]:
    """The host's JSON error envelope."""
    return jsonify(success=False, message=message, data=data if data is not None else {}), status


def json_body() -> dict[str, Any]:
    """The request's JSON object; malformed or non-object bodies are an InvalidInput."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise InvalidInput("The request body must be a JSON object.")
    return payload


def sse_response(stream: LiveStream) -> Response:
    """A Server-Sent Events response; the stream's slot is freed when the response closes."""
    response = Response(stream.body, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # no proxy buffering either
    response.call_on_close(stream.release)
    return response
