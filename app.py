"""OpenAlgo Strategy Host: ``create_app`` wires the application; ``python app.py`` serves it.

``create_app`` is the only place where the pieces meet. It runs a short list of named steps:
settings → logging → services → extensions → blueprints → error handlers → background start.
``main`` serves the app with waitress (threads) and shuts everything down on SIGINT/SIGTERM;
``python app.py --init`` starts with a new, empty database next to data of an earlier run.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
import sys
from datetime import timedelta
from types import FrameType
from typing import Any

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from waitress.server import create_server

from blueprints import api_v1, apikey, dashboard, python, sandbox, strategy
from blueprints.auth import init_auth
from blueprints.http_errors import register_error_handlers
from blueprints.json_input import HostRequest
from blueprints.navigation import navigation_for
from blueprints.web import HOST_EXTENSION
from services.clock import Clock, to_ist
from services.errors import ConfigurationError
from services.host import Host
from services.host_logging import SecretRedactor, configure_host_logging
from services.settings import Settings

log = logging.getLogger("openalgo.host")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None, init: bool = False) -> Flask:
    """Build the application for ``settings`` (read from the environment when omitted).

    ``init``: ``python app.py --init``, a new database even next to data of an earlier run.
    """
    app = Flask(__name__)
    app.request_class = HostRequest  # JSON bodies: bounded depth and numbers, 400 when malformed
    settings = _settings_step(app, settings)
    redactor, log_handler = _logging_step(settings)
    try:
        host = _services_step(app, settings, clock, redactor, init)
    except BaseException:
        _remove_log_handler(log_handler)  # a refused start leaves no handler on the root logger
        raise
    host.on_shutdown(lambda: _remove_log_handler(log_handler))
    _extensions_step(app, host)
    _blueprints_step(app, host)
    _error_handlers_step(app)
    _background_step(host)
    return app


def _settings_step(app: Flask, settings: Settings | None) -> Settings:
    settings = settings or Settings.from_env()
    settings.ensure_dirs()
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_content_length,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        SESSION_COOKIE_NAME="openalgo_host_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=settings.session_lifetime_s),
        # A trader keeps pages open all day; the token lives as long as the session does.
        WTF_CSRF_TIME_LIMIT=None,
        JSON_SORT_KEYS=False,
    )
    return settings


def _logging_step(settings: Settings) -> tuple[SecretRedactor, logging.Handler]:
    redactor = SecretRedactor()
    handler = configure_host_logging(
        settings.log_dir, settings.log_level, settings.log_max_bytes, settings.log_backup_count, redactor
    )
    return redactor, handler


def _remove_log_handler(handler: logging.Handler) -> None:
    logging.getLogger().removeHandler(handler)
    handler.close()


def _services_step(
    app: Flask, settings: Settings, clock: Clock | None, redactor: SecretRedactor, init: bool
) -> Host:
    host = Host(settings, clock=clock, redactor=redactor, init=init)
    app.secret_key = host.secret_key
    app.extensions[HOST_EXTENSION] = host
    return host


def _extensions_step(app: Flask, host: Host) -> None:
    CSRFProtect(app)
    # Login and setup are throttled in services/login_throttle.py and orders per API key in
    # services/orders/throttle.py (counted before the work, in the same storage); Flask-Limiter
    # (app.extensions["limiter"]) is there for a route that needs a plain per-client limit.
    Limiter(
        get_remote_address,
        app=app,
        storage_uri=host.settings.ratelimit_storage_uri,
        key_prefix=host.settings.ratelimit_key_prefix,
        strategy="moving-window",
        headers_enabled=True,
    )


def _blueprints_step(app: Flask, host: Host) -> None:
    init_auth(app)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(apikey.bp)
    # Feature blueprints register below, one line each.
    app.register_blueprint(python.bp)  # /python: hosted Python strategies (pages + JSON API)
    api_v1.register(app)  # OpenAlgo REST API: API-key auth, CSRF-exempt
    app.register_blueprint(sandbox.bp)
    strategy.register(app)  # /strategy: webhook strategies (JSON API + the webhook, CSRF-exempt)

    @app.context_processor
    def layout_context() -> dict[str, Any]:
        return {
            "nav_items": navigation_for(app),
            "now_ist": to_ist(host.clock.now()),
        }

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if request.endpoint != "static":
            # Pages and JSON carry account data (the API key page above all): never kept by a
            # browser or proxy cache, not even in the back/forward history.
            response.headers["Cache-Control"] = "no-store"
        return response


def _error_handlers_step(app: Flask) -> None:
    register_error_handlers(app)


def _background_step(host: Host) -> None:
    if host.settings.start_background:
        host.start_background()


def main(argv: list[str] | None = None, clock: Clock | None = None) -> int:
    """Serve the host with waitress until SIGINT/SIGTERM, then stop everything cleanly.

    ``argv``: the command-line options (``sys.argv[1:]`` when omitted). ``clock`` is the host's
    clock (the system clock when omitted): the browser tests serve a host whose IST time they
    choose, so a schedule test means the same at any hour.
    """
    options = _arguments().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        settings = Settings.from_env()
        # Background work starts only once the socket is bound: strategies must be told the URL
        # the host really listens on (FLASK_PORT=0 picks a free port).
        app = create_app(
            dataclasses.replace(settings, start_background=False), clock=clock, init=options.init
        )
    except ConfigurationError as error:
        print(error.message, file=sys.stderr)
        return 2
    host: Host = app.extensions[HOST_EXTENSION]
    server = _waitress(app, settings)
    bound_port = int(getattr(server, "effective_port", settings.port))
    host.set_listen_address(settings.host_ip, bound_port)

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("Received %s, shutting down", signal.Signals(signum).name)
        host.begin_shutdown()  # live streams end now, so waitress need not wait for them
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    # The served host's only children are strategies: what they leave behind comes to it, to be killed.
    host.hosting.supervisor.adopt_orphans()
    os.umask(0o077)  # every file the host writes from now on is private to its user
    if settings.start_background:
        host.start_background()
    log.info("Serving on %s", host.listen_url)
    print(f"OpenAlgo Strategy Host listening on {host.listen_url}", flush=True)
    try:
        server.run()
    except SystemExit:
        pass
    finally:
        server.close()
        host.shutdown()
        print("OpenAlgo Strategy Host stopped.", flush=True)
    return 0


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="app.py",
        description="Serve the OpenAlgo Strategy Host (settings come from the environment and .env).",
    )
    parser.add_argument(
        "--init",
        action="store_true",
        help="start with a new, empty database although DATA_DIR holds data of an earlier run "
        "(strategy scripts or keys); never replaces a database that exists",
    )
    return parser


def _waitress(app: Flask, settings: Settings) -> Any:
    """The production WSGI server (threads), bound to the configured address (port 0: any free)."""
    proxy: dict[str, Any] = {}
    if settings.trusted_proxy:
        # Only this peer's X-Forwarded-For/-Proto are believed: request.remote_addr (the key of
        # the login limits) is then the real client instead of the proxy.
        proxy = {
            "trusted_proxy": settings.trusted_proxy,
            "trusted_proxy_count": 1,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
        }
    return create_server(
        app,
        host=settings.host_ip,
        port=settings.port,
        threads=settings.waitress_threads,
        ident="openalgo-host",
        # Flush every write at once: live streams (SSE) must not wait for an 18 kB buffer.
        send_bytes=1,
        channel_timeout=120,
        connection_limit=1000,
        clear_untrusted_proxy_headers=True,
        # A larger body is refused from its Content-Length (or as its chunks arrive), unread.
        max_request_body_size=settings.max_request_body_size,
        **proxy,
    )


if __name__ == "__main__":
    sys.exit(main())
