"""The one exception tree of the host.

Services raise these; the web edge (``blueprints/http_errors.py``) maps each class to an HTTP
status in one place. Messages are written for the trader who will read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class HostError(Exception):
    """Base of every error the host raises on purpose."""

    def __init__(
        self,
        message: str,
        *,
        fields: Mapping[str, str] | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        #: input name -> what is wrong with it (shown next to the form field)
        self.fields: dict[str, str] = dict(fields or {})
        #: extra machine-readable facts (e.g. ``line`` and ``column`` of a syntax error)
        self.details: dict[str, Any] = dict(details or {})


class ConfigurationError(HostError):
    """Settings or on-disk configuration are invalid; the host cannot start."""


class InvalidInput(HostError):
    """The caller sent something we refuse; ``fields`` names the offending inputs."""


class NotAuthenticated(HostError):
    """No valid session or credentials."""


class PermissionDenied(HostError):
    """Credentials were given but are not valid for this (e.g. an unknown API key)."""


class NotFound(HostError):
    """The named thing does not exist."""


class Conflict(HostError):
    """The request clashes with the current state (already running, already set up...)."""


class PayloadTooLarge(HostError):
    """The request body or an uploaded file is over its limit."""


class RateLimited(HostError):
    """Too many requests in too short a time."""


class Unavailable(HostError):
    """A dependency (upstream broker, database, ...) cannot be reached right now."""


class SecretUnreadable(HostError):
    """A stored secret cannot be decrypted with the current key: never silently wiped."""
