"""The host's own log: ``log/app.log``, rotated by size, IST timestamps, secrets redacted.

Redaction is a second line of defence: code never logs a password, key or secret on purpose,
and the filter masks anything that looks like one (``password=...``, ``"apikey": "..."``,
64-hex API keys, Fernet tokens, webhook ids in URLs) and any literal value registered as secret
at run time.
"""

from __future__ import annotations

import logging
import re
import threading
from datetime import datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path

from services.clock import IST

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
MASK = "[REDACTED]"

_PATTERNS = (
    # key=value and "key": "value" for sensitive-sounding keys
    re.compile(
        r"""(?ix)
        (?P<key>["']?\b[\w-]*(?:password|passwd|secret|api_?key|token|authorization)[\w-]*\b["']?
        \s*[:=]\s*)
        (?P<value>"[^"]*"|'[^']*'|[^\s,;&}]+)
        """
    ),
    # a strategy's webhook id in a URL (a credential: whoever knows it trades), known or guessed
    re.compile(r"(?P<key>/strategy/(?:webhook|execute)/)(?P<value>[^\s/?#\"']+)"),
)
_BARE_SECRETS = (
    re.compile(r"\b[0-9a-fA-F]{64}\b"),  # API keys
    re.compile(r"gAAAAA[0-9A-Za-z_\-=]{20,}"),  # Fernet tokens
    re.compile(r"\$argon2id?\$[^\s\"']+"),  # password hashes
)


class IstFormatter(logging.Formatter):
    """Timestamps in Indian Standard Time, with milliseconds and the offset."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        moment = datetime.fromtimestamp(record.created, IST)
        return moment.isoformat(timespec="milliseconds")


class SecretRedactor(logging.Filter):
    """Masks secrets in the final message of every record that passes through a handler."""

    def __init__(self) -> None:
        super().__init__()
        self._literals: set[str] = set()
        self._lock = threading.Lock()

    def register(self, value: str) -> None:
        """Mask this exact value from now on (values shorter than 4 characters are not worth it)."""
        if len(value) >= 4:
            with self._lock:
                self._literals.add(value)

    def redact(self, text: str) -> str:
        for pattern in _PATTERNS:
            text = pattern.sub(lambda m: m.group("key") + MASK, text)
        for pattern in _BARE_SECRETS:
            text = pattern.sub(MASK, text)
        with self._lock:
            literals = sorted(self._literals, key=len, reverse=True)
        for literal in literals:
            text = text.replace(literal, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def configure_host_logging(
    log_dir: Path, level: str, max_bytes: int, backup_count: int, redactor: SecretRedactor
) -> RotatingFileHandler:
    """Attach the rotating ``app.log`` handler to the root logger; returns it for removal."""
    log_dir.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(
        log_dir / "app.log", maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
    )
    handler.setFormatter(IstFormatter(LOG_FORMAT))
    handler.addFilter(redactor)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    # Libraries that are chatty at INFO would drown the trader's own events.
    for noisy in ("apscheduler", "waitress.queue", "alembic.runtime.migration", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
