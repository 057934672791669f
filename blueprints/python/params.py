"""Query-string parameters shared by the ``/python`` routes."""

from __future__ import annotations

from flask import request

from services.errors import InvalidInput


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high`` (``default`` when absent), else 400 naming it."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidInput(
            f"{name} must be a whole number from {low} to {high}.", fields={name: "Out of range."}
        )
    return int(raw)


def run_arg() -> str | None:
    """The log run a request names (``?run=``), or None for the newest."""
    return request.args.get("run") or None
