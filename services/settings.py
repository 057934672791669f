"""Typed settings of the host, read once from environment variables and an optional ``.env``.

Every setting has a default, so a fresh clone runs with none set. Each field names its variable
and its parser; ``Settings.from_env`` collects every problem and raises one ConfigurationError
whose message lists them all, so a trader fixes a bad ``.env`` in one go.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from services.errors import ConfigurationError

# The parsers keep the short private names every setting below is written with.
from services.setting_parsers import Parser
from services.setting_parsers import boolean as _bool
from services.setting_parsers import choice as _choice
from services.setting_parsers import float_range as _float_range
from services.setting_parsers import int_range as _int_range
from services.setting_parsers import log_level as _log_level
from services.setting_parsers import optional_path as _optional_path
from services.setting_parsers import optional_text as _optional_text
from services.setting_parsers import path as _path
from services.setting_parsers import proxy_address as _proxy_address
from services.setting_parsers import rate_limit as _rate_limit
from services.setting_parsers import text as _text
from services.setting_parsers import url as _url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Server threads kept free of live streams, so pages and API calls are always served.
RESERVED_REQUEST_THREADS = 8
#: How far past MAX_CONTENT_LENGTH waitress still reads a body, so that a body a little too large
#: gets the host's own 413 answer; anything larger is refused by waitress before it is read.
REQUEST_BODY_HEADROOM = 1024 * 1024


def _setting(env: str, parse: Parser, default: Any, doc: str) -> Any:
    return field(default=default, metadata={"env": env, "parse": parse, "doc": doc})


@dataclass(frozen=True)
class Settings:
    """All configuration of one host. Build with ``Settings.from_env()`` or directly in tests."""

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

    # --- Broker: sandbox and upstream (issue: REST API on a sandbox broker) ------------------
    broker: str = _setting(
        "BROKER",
        _choice("sandbox", "upstream"),
        "sandbox",
        "sandbox (paper trading on simulated data) or upstream (forward to a real OpenAlgo server)",
    )
    upstream_host: str | None = _setting(
        "UPSTREAM_HOST", _url, None, "URL of the OpenAlgo server that BROKER=upstream forwards to"
    )
    upstream_api_key: str | None = _setting(
        "UPSTREAM_API_KEY", _optional_text, None, "API key on that OpenAlgo server (never logged)"
    )
    upstream_timeout_s: float = _setting(
        "UPSTREAM_TIMEOUT_S", _float_range(0.5, 300.0), 15.0, "Seconds to wait for the upstream server"
    )
    master_contract_delay_s: float = _setting(
        "MASTER_CONTRACT_DELAY_S",
        _float_range(0.0, 3600.0),
        0.0,
        "Artificial delay of the master-contract download, in seconds (for tests)",
    )
    sandbox_capital: float = _setting(
        "SANDBOX_CAPITAL", _float_range(1000.0, 1e12), 10_000_000.0, "Starting funds of a paper account (₹)"
    )
    sandbox_match_interval_s: float = _setting(
        "SANDBOX_MATCH_INTERVAL_S",
        _float_range(0.05, 60.0),
        0.5,
        "Seconds between passes of the matcher over resting paper orders",
    )
    order_rate_limit: str = _setting(
        "ORDER_RATE_LIMIT", _rate_limit, "10 per second", "Orders allowed per API key (429 beyond)"
    )
    history_max_candles: int = _setting(
        "HISTORY_MAX_CANDLES",
        _int_range(1000, 10_000_000),
        600_000,
        "Most candles one history request may return (a year of 1m candles is about 95,000)",
    )

    # --- Strategy hosting (issue: supervisor, logs, env vars) --------------------------------
    strategy_stop_grace_s: float = _setting(
        "STRATEGY_STOP_GRACE_S",
        _float_range(0.05, 600),
        5.0,
        "Seconds a stopping strategy gets after its stop signal before SIGKILL",
    )
    strategy_max_script_bytes: int = _setting(
        "STRATEGY_MAX_SCRIPT_BYTES",
        _int_range(1024, 16 * 1024 * 1024),
        1024 * 1024,
        "Largest strategy script accepted by upload and save, in bytes",
    )
    strategy_log_max_bytes: int = _setting(
        "STRATEGY_LOG_MAX_BYTES",
        _int_range(10_000, 1_000_000_000),
        10_000_000,
        "Size at which a strategy's run log continues in a new file",
    )
    strategy_log_max_files: int = _setting(
        "STRATEGY_LOG_MAX_FILES",
        _int_range(2, 10_000),
        20,
        "Log files kept per strategy (oldest deleted first; bounds a strategy's log size)",
    )
    strategy_tick_s: float = _setting(
        "STRATEGY_TICK_S", _float_range(0.05, 2.0), 1.0, "Seconds between supervisor reconcile passes"
    )
    strategy_sample_s: float = _setting(
        "STRATEGY_SAMPLE_S",
        _float_range(0.2, 60.0),
        5.0,
        "Seconds between CPU/memory samples of running strategies (memory limits use them)",
    )
    strategy_restart_initial_s: float = _setting(
        "STRATEGY_RESTART_INITIAL_S",
        _float_range(0.05, 60.0),
        1.0,
        "First delay of the opt-in restart after a crash (doubles per failure)",
    )
    strategy_restart_max_s: float = _setting(
        "STRATEGY_RESTART_MAX_S", _float_range(0.05, 3600.0), 60.0, "Longest delay between crash restarts"
    )
    strategy_restart_max_failures: int = _setting(
        "STRATEGY_RESTART_MAX_FAILURES",
        _int_range(1, 100),
        5,
        "Crashes in a row after which a strategy stays in error",
    )
    strategy_memory_check_s: float = _setting(
        "STRATEGY_MEMORY_CHECK_S",
        _float_range(0.05, 10.0),
        0.5,
        "Seconds between memory checks of strategies that have a memory limit (the whole process tree)",
    )
    strategy_lease_s: float = _setting(
        "STRATEGY_LEASE_S",
        _float_range(3.0, 600.0),
        15.0,
        "Hosts sharing a database: how long a host's claim on a strategy lasts without renewal",
    )
    strategy_work_dir: Path | None = _setting(
        "STRATEGY_WORK_DIR",
        _optional_path,
        None,
        "Parent of each hosted script's working folder (default: <DATA_DIR>-work, outside DATA_DIR)",
    )
    strategy_user: str = _setting(
        "STRATEGY_USER",
        _text,
        "auto",
        "When the host runs as root, run scripts as this user (auto: nobody if it can run this Python; "
        "none: as root)",
    )
    strategy_landlock: bool = _setting(
        "STRATEGY_LANDLOCK",
        _bool,
        True,
        "Confine hosted scripts with Landlock where the kernel offers it (no reads of keys/, db/, log/...)",
    )
    strategy_restart_healthy_s: float = _setting(
        "STRATEGY_RESTART_HEALTHY_S",
        _float_range(1.0, 86_400.0),
        300.0,
        "A run at least this long does not count as a failed start",
    )
    stream_heartbeat_s: float = _setting(
        "STREAM_HEARTBEAT_S", _float_range(0.05, 120.0), 15.0, "Seconds between live-stream heartbeats"
    )
    stream_max_lifetime_s: float = _setting(
        "STREAM_MAX_LIFETIME_S",
        _float_range(1.0, 86_400.0),
        300.0,
        "A live stream ends after this long; the browser reconnects and resumes",
    )
    stream_max_concurrent: int = _setting(
        "STREAM_MAX_CONCURRENT",
        _int_range(1, 1000),
        16,
        "Open live streams allowed at once (each holds a server thread; keep below WAITRESS_THREADS)",
    )

    # --- Schedules and exchange calendar (issue: schedules) ----------------------------------
    schedule_reconcile_s: float = _setting(
        "SCHEDULE_RECONCILE_S",
        _float_range(0.1, 2.0),
        1.0,
        "Seconds between scheduler reconcile passes (the safety net behind the exact cron jobs)",
    )
    schedule_misfire_grace_s: int = _setting(
        "SCHEDULE_MISFIRE_GRACE_S",
        _int_range(60, 3600),
        120,
        "How late (seconds) a delayed cron start/stop may still run; later ones are reconciled",
    )
    schedule_calendar_check_s: float = _setting(
        "SCHEDULE_CALENDAR_CHECK_S",
        _float_range(1.0, 3600.0),
        60.0,
        "Seconds between checks for an imported exchange-calendar year (reloaded while running)",
    )

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        dotenv_path: Path | None = None,
        **overrides: Any,
    ) -> Settings:
        """Read settings: explicit ``overrides`` > environment > ``.env`` > defaults."""
        env = dict(environ if environ is not None else os.environ)
        dotenv_file = dotenv_path if dotenv_path is not None else PROJECT_ROOT / ".env"
        values: dict[str, str] = {}
        if dotenv_file.is_file():
            values.update({k: v for k, v in dotenv_values(dotenv_file).items() if v is not None})
        values.update(env)

        parsed: dict[str, Any] = {}
        problems: list[str] = []
        for spec in dataclasses.fields(cls):
            if spec.name in overrides:
                parsed[spec.name] = overrides[spec.name]
                continue
            name = spec.metadata["env"]
            if name not in values:
                continue
            try:
                parsed[spec.name] = spec.metadata["parse"](values[name])
            except ValueError as exc:
                problems.append(f"  {name}={values[name]!r}: {exc}")
        settings = None if problems else cls(**parsed)
        if settings is not None:
            problems.extend(settings._cross_field_problems())
        if problems or settings is None:
            raise ConfigurationError(
                "Invalid settings (fix them in the environment or .env):\n" + "\n".join(problems)
            )
        return settings

    def _cross_field_problems(self) -> list[str]:
        problems = []
        if self.stream_max_concurrent > self.waitress_threads - RESERVED_REQUEST_THREADS:
            # Each live stream holds a server thread: a flood of streams must not starve requests.
            problems.append(
                f"  STREAM_MAX_CONCURRENT={self.stream_max_concurrent}: must leave at least "
                f"{RESERVED_REQUEST_THREADS} of WAITRESS_THREADS={self.waitress_threads} "
                "for ordinary requests"
            )
        return problems

    @classmethod
    def documented(cls) -> list[tuple[str, str, str]]:
        """(variable, default, description) for every setting, for the README and --help."""
        return [
            (spec.metadata["env"], str(spec.default), spec.metadata["doc"])
            for spec in dataclasses.fields(cls)
        ]

    # Derived locations -----------------------------------------------------------------------
    @property
    def max_request_body_size(self) -> int:
        """The largest body waitress reads at all (its default would be 1 GiB)."""
        return self.max_content_length + REQUEST_BODY_HEADROOM

    @property
    def strategies_dir(self) -> Path:
        return self.data_dir / "strategies"

    @property
    def scripts_dir(self) -> Path:
        return self.strategies_dir / "scripts"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "log"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def db_dir(self) -> Path:
        return self.data_dir / "db"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.db_dir / 'openalgo.db'}"

    @property
    def work_dir(self) -> Path:
        """Where each hosted script gets its working folder: outside DATA_DIR, next to it."""
        return self.strategy_work_dir or self.data_dir.with_name(f"{self.data_dir.name}-work")

    @property
    def private_paths(self) -> tuple[Path, ...]:
        """What a hosted script must never read: the host's keys, database, logs, scripts, .env."""
        paths = [self.keys_dir, self.db_dir, self.log_dir, self.strategies_dir, self.data_dir / ".env"]
        paths.append(PROJECT_ROOT / ".env")
        if self.database_url and self.database_url.startswith("sqlite:///"):
            paths.append(Path(self.database_url.removeprefix("sqlite:///")))
        return tuple(dict.fromkeys(path.resolve() for path in paths))

    def ensure_dirs(self) -> None:
        """Create the runtime folders; each keeps a .gitignore so runtime data never lands in git."""
        for folder in (self.scripts_dir, self.log_dir, self.keys_dir, self.db_dir):
            folder.mkdir(parents=True, exist_ok=True)
        for folder in (self.log_dir, self.keys_dir, self.db_dir):
            ignore = folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Runtime data: created by the host, never committed.\n*\n!.gitignore\n")
        if os.name == "posix":
            # Private to the host's user: keys (files 0600), the database, logs and scripts.
            for folder in (self.keys_dir, self.db_dir, self.log_dir, self.strategies_dir):
                folder.chmod(0o700)
