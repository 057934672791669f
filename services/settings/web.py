"""The host itself: where it listens and keeps its data, logging, logins, sessions, request limits,
the WSGI server."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.settings.fields import PROJECT_ROOT
from services.settings.fields import setting as _setting
from services.settings.parsers import boolean as _bool
from services.settings.parsers import int_range as _int_range
from services.settings.parsers import log_level as _log_level
from services.settings.parsers import optional_text as _optional_text
from services.settings.parsers import path as _path
from services.settings.parsers import proxy_address as _proxy_address
from services.settings.parsers import rate_limit as _rate_limit
from services.settings.parsers import text as _text
from services.settings.parsers import url as _url


@dataclass(frozen=True)
class WebSettings:
    host_ip: str = _setting("FLASK_HOST_IP", _text, "127.0.0.1", "Address to listen on")
    port: int = _setting("FLASK_PORT", _int_range(0, 65535), 5000, "Port (0 = any free port)")
    data_dir: Path = _setting("DATA_DIR", _path, PROJECT_ROOT, "Holds strategies/, log/, keys/ and db/")
    secret_key: str | None = _setting(
        "SECRET_KEY", _optional_text, None, "Session signing key (generated into keys/ if unset)"
    )
    database_url: str | None = _setting(
        "DATABASE_URL", _url, None, "Database URL (default: SQLite under db/)"
    )
    log_level: str = _setting("LOG_LEVEL", _log_level, "INFO", "Level of log/app.log")
    log_max_bytes: int = _setting(
        "LOG_MAX_BYTES", _int_range(10_000, 1_000_000_000), 5_000_000, "Size at which app.log rotates"
    )
    log_backup_count: int = _setting("LOG_BACKUP_COUNT", _int_range(0, 1000), 5, "Rotated app.log files kept")
    max_content_length: int = _setting(
        "MAX_CONTENT_LENGTH",
        _int_range(1024, 1_000_000_000),
        4 * 1024 * 1024,
        "Largest request body accepted, in bytes (413 beyond)",
    )
    min_password_length: int = _setting(
        "MIN_PASSWORD_LENGTH", _int_range(8, 128), 10, "Shortest admin password accepted"
    )
    login_rate_limit: str = _setting(
        "LOGIN_RATE_LIMIT",
        _rate_limit,
        "5 per minute",
        "Login (and first-run setup) attempts per client address; a successful login starts afresh",
    )
    login_username_rate_limit: str = _setting(
        "LOGIN_USERNAME_RATE_LIMIT",
        _rate_limit,
        "10 per minute",
        "Login attempts per username, from any address",
    )
    password_hash_concurrency: int = _setting(
        "PASSWORD_HASH_CONCURRENCY", _int_range(1, 16), 2, "Password checks at once (64 MiB each); more wait"
    )
    session_lifetime_s: int = _setting(
        "PERMANENT_SESSION_LIFETIME",
        _int_range(60, 2_592_000),
        43_200,
        "Seconds a login lasts without a request",
    )
    trusted_proxy: str | None = _setting(
        "TRUSTED_PROXY", _proxy_address, None, "Reverse proxy IP whose X-Forwarded-For names the client"
    )
    ratelimit_storage_uri: str = _setting(
        "RATELIMIT_STORAGE_URI",
        _text,
        "memory://",
        "Storage of the rate limits: login, setup, orders (memory:// or redis://)",
    )
    ratelimit_key_prefix: str = _setting(
        "RATELIMIT_KEY_PREFIX",
        _text,
        "openalgo-host",
        "Prefix of rate-limit keys (distinct per installation sharing one Redis)",
    )
    session_cookie_secure: bool = _setting(
        "SESSION_COOKIE_SECURE", _bool, False, "Send the session cookie over HTTPS only"
    )
    waitress_threads: int = _setting(
        "WAITRESS_THREADS", _int_range(4, 512), 48, "Request threads (each open live stream holds one)"
    )
    start_background: bool = _setting(
        "START_BACKGROUND", _bool, True, "Start background work (off in unit tests)"
    )
