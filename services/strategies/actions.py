"""What the trader may do with a strategy right now, and the badge its status shows.

The pages decide none of this themselves: every status entry (``/python/status`` and every
status event) carries ``actions`` and ``badge`` computed here, from the same status sets the
services use to refuse a request, so a button is enabled exactly when the server would accept
what it sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.strategies.state import ACTIVE, Status

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


def presentation(entry: Mapping[str, Any]) -> dict[str, Any]:
    """``badge`` and ``actions`` for a status entry (its ``status`` and ``scheduled`` fields)."""
    status = Status(entry["status"])
    scheduled = bool(entry.get("scheduled"))
    return {"badge": badge_of(status, scheduled), "actions": allowed_actions(status, scheduled)}
