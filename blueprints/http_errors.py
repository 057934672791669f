"""The one place where errors become HTTP responses.

Service errors (``services.errors``) and HTTP errors raised by Flask/Werkzeug both end here:
JSON for API and fetch clients, an HTML page for browsers. Unexpected exceptions are logged with
their traceback and shown as a generic 500 (never the exception text, which may hold data).
"""

from __future__ import annotations

import logging

from flask import Flask, Response, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from blueprints.web import fail, wants_json
from services import errors

log = logging.getLogger(__name__)

STATUS_BY_ERROR: tuple[tuple[type[errors.HostError], int], ...] = (
    (errors.InvalidInput, 400),
    (errors.NotAuthenticated, 401),
    (errors.PermissionDenied, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.PayloadTooLarge, 413),
    (errors.RateLimited, 429),
    (errors.SecretUnreadable, 500),
    (errors.Unavailable, 503),
    (errors.ConfigurationError, 500),
)

TITLES = {
    400: "Bad request",
    401: "Not logged in",
    403: "Forbidden",
    404: "Page not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Service unavailable",
}


def status_for(error: errors.HostError) -> int:
    for error_type, status in STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return status
    return 500


def error_response(
    status: int, message: str, data: dict[str, object] | None = None
) -> tuple[Response | str, int]:
    if wants_json():
        return fail(message, status, data)
    return render_template(
        "errors/error.html", status=status, title=TITLES.get(status, "Error"), message=message
    ), status


def _host_error(error: errors.HostError) -> tuple[Response | str, int]:
    status = status_for(error)
    if status >= 500:
        log.error("%s: %s", type(error).__name__, error.message)
    data: dict[str, object] = dict(error.details)
    if error.fields:
        data["fields"] = error.fields
    return error_response(status, error.message, data)


def _csrf_error(error: CSRFError) -> tuple[Response | str, int]:
    return error_response(400, f"{error.description} Reload the page and try again.")


def _http_error(error: HTTPException) -> tuple[Response | str, int] | HTTPException:
    if error.code is None or error.code < 400:
        return error  # redirects and the like pass through untouched
    message = {
        404: "There is nothing at this address.",
        405: "This address does not accept that method.",
        413: "The request is larger than the host accepts.",
        429: "Too many attempts. Wait a minute and try again.",
    }.get(error.code, error.description or TITLES.get(error.code, "Error"))
    response, status = error_response(error.code, message)
    if error.code == 405 and isinstance(response, Response):
        allowed = error.get_response().headers.get("Allow")
        if allowed:
            response.headers["Allow"] = allowed
    return response, status


def _unexpected(error: Exception) -> tuple[Response | str, int]:
    log.exception("Unhandled error: %s", type(error).__name__)
    return error_response(500, "An unexpected error occurred; it has been logged.")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(errors.HostError, _host_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
