"""Typed settings of the host, read once from environment variables and an optional ``.env``.

Every setting has a default, so a fresh clone runs with none set. Each field names its variable
and its parser; ``Settings.from_env`` collects every problem and raises one ConfigurationError
whose message lists them all, so a trader fixes a bad ``.env`` in one go.

The fields are declared by feature, one module each (``web``, ``broker``, ``hosting``,
``schedules``, ``webhooks``, ``execution``); ``Settings`` joins them into one flat frozen dataclass, so code
reads ``settings.order_rate_limit`` wherever a setting is declared.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from services.errors import ConfigurationError
from services.settings.broker import BrokerSettings
from services.settings.execution import ExecutionSettings
from services.settings.fields import PROJECT_ROOT
from services.settings.hosting import HostingSettings
from services.settings.schedules import ScheduleSettings
from services.settings.web import WebSettings
from services.settings.webhooks import WebhookSettings

#: Server threads kept free of live streams, so pages and API calls are always served.
RESERVED_REQUEST_THREADS = 8
#: How far past MAX_CONTENT_LENGTH waitress still reads a body, so that a body a little too large
#: gets the host's own 413 answer; anything larger is refused by waitress before it is read.
REQUEST_BODY_HEADROOM = 1024 * 1024


# Bases in reverse order: a dataclass collects the fields of its bases from the last one up, so
# the fields (and the README's table) keep the order web → broker → hosting → schedules →
# webhooks → execution.
@dataclass(frozen=True)
class Settings(
    ExecutionSettings, WebhookSettings, ScheduleSettings, HostingSettings, BrokerSettings, WebSettings
):
    """All configuration of one host. Build with ``Settings.from_env()`` or directly in tests."""

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
