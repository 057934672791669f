"""What the trader may do with a strategy right now, and how its status reads.

The pages decide none of this themselves: every status entry (``/python/status`` and every
status event) carries ``actions``, ``badge`` and ``note`` computed here, from the same status sets the
services use to refuse a request, so a button is enabled exactly when the server would accept
what it sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.hosting.state import ACTIVE, Status

#: Statuses from which a start request is taken (``waiting`` is already trying to start).
STARTABLE = frozenset({Status.STOPPED, Status.ERROR})
#: Statuses a stop request acts on (a wait or a pending start is cancelled).
STOPPABLE = frozenset({Status.STARTING, Status.RUNNING, Status.WAITING})

#: Every action key, in the order the dashboard shows its buttons.
ACTION_KEYS = ("start", "stop", "edit", "variables", "schedule", "unschedule", "clear_error", "delete")


def allowed_actions(status: Status, scheduled: bool) -> dict[str, bool]:
    """Which requests the host accepts for a strategy in ``status`` (and with a schedule or not).

    Editing the script or the variables and deleting need a strategy without a process (409
    otherwise); the schedule can be set at any time.
    """
    idle = status not in ACTIVE
    return {
        "start": status in STARTABLE,
        "stop": status in STOPPABLE,
        "edit": idle,
        "variables": idle,
        "schedule": True,
        "unschedule": scheduled,
        "clear_error": status is Status.ERROR,
        "delete": idle,
    }


def badge_of(status: Status, scheduled: bool) -> str:
    """The status badge: the status itself, or ``scheduled`` for a stopped strategy with a schedule."""
    return "scheduled" if scheduled and status is Status.STOPPED else status.value


def note_of(status: Status, entry: Mapping[str, Any]) -> str | None:
    """The one line that says why a strategy is where it is (None when there is nothing to say).

    An error says what went wrong; otherwise the scheduler's ``status_reason`` (a holiday, the
    master contract...) wins; a wait or a stop in progress says why; a stopped strategy says how
    its last run ended.
    """
    if status is Status.ERROR:
        return _text(entry.get("error")) or _text(entry.get("status_reason")) or "Stopped with an error."
    trouble = entry.get("log_trouble")
    if status in {Status.RUNNING, Status.STOPPING} and isinstance(trouble, Mapping):
        return (
            f"Log unwritable ({trouble.get('error')}): {trouble.get('dropped_bytes', 0):,} bytes of output"
            " dropped so far. The strategy keeps running; its log resumes when the disk takes writes."
        )
    reason = _text(entry.get("status_reason"))
    if reason:
        return reason
    if status in {Status.WAITING, Status.STOPPING}:
        return _text(entry.get("reason"))
    if status is Status.STOPPED:
        return _text(entry.get("stop_reason"))
    return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def presentation(entry: Mapping[str, Any]) -> dict[str, Any]:
    """``badge``, ``note`` and ``actions`` for a status entry."""
    status = Status(entry["status"])
    scheduled = bool(entry.get("scheduled"))
    return {
        "badge": badge_of(status, scheduled),
        "note": note_of(status, entry),
        "actions": allowed_actions(status, scheduled),
    }
