"""Parsers of setting values: each turns the raw text of an environment variable into a value.

A parser raises ``ValueError`` with a reason a trader can act on; ``Settings.from_env`` collects
them all into one message. Kept apart from the feature modules so they stay lists of settings.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from pathlib import Path
from typing import Any

from limits import parse_many

Parser = Callable[[str], Any]


def text(raw: str) -> str:
    return raw.strip()


def optional_text(raw: str) -> str | None:
    return raw.strip() or None


def boolean(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true/false (also 1/0, yes/no, on/off)")


def int_range(low: int, high: int) -> Parser:
    def parse(raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise ValueError(f"expected a whole number between {low} and {high}") from None
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return parse


def float_range(low: float, high: float) -> Parser:
    def parse(raw: str) -> float:
        try:
            value = float(raw.strip())
        except ValueError:
            raise ValueError(f"expected a number between {low} and {high}") from None
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return parse


def rate_limit(raw: str) -> str:
    """A limit such as "10 per second" or "10/second;300/minute" (the ``limits`` notation)."""
    value = raw.strip()
    try:
        if not parse_many(value):
            raise ValueError(value)
    except ValueError:
        raise ValueError('expected a rate such as "10 per second" or "10/second;300/minute"') from None
    return value


def choice(*options: str) -> Parser:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in options:
            raise ValueError(f"must be one of: {', '.join(options)}")
        return value

    return parse


def log_level(raw: str) -> str:
    value = raw.strip().upper()
    if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
    return value


def path(raw: str) -> Path:
    if not raw.strip():
        raise ValueError("must not be empty")
    return Path(raw.strip()).expanduser().resolve()


def optional_path(raw: str) -> Path | None:
    return Path(raw.strip()).expanduser().resolve() if raw.strip() else None


def url(raw: str) -> str | None:
    value = raw.strip()
    if not value:
        return None
    if "://" not in value:
        raise ValueError("expected a URL such as postgresql://user@host:5432/dbname")
    return value


def proxy_address(raw: str) -> str | None:
    """A reverse proxy's IP address, ``*`` (any peer: only behind a firewall), or empty (none)."""
    value = raw.strip()
    if not value:
        return None
    if value == "*":
        return value
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError("expected the proxy's IP address (such as 127.0.0.1) or *") from None
