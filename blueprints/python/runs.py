"""``/python`` runs: start, stop, stop all, clear an error, the status board and its live events."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_login import login_required

from blueprints.web import host, ok, sse_response
from services.hosting.state import Status
from services.hosting.validation import check_id
from services.live.streams import parse_event_id

bp = Blueprint("runs", __name__)


def entry_of(strategy_id: str) -> dict[str, Any]:
    """The strategy's status entry: what every ``/python`` answer about one strategy carries."""
    return host().hosting.supervisor.status_entry(strategy_id)


@bp.post("/start/<strategy_id>")
@login_required
def start(strategy_id: str) -> Any:
    # The supervisor's loop spawns at once; the outcome (running, or error with the OS text)
    # arrives as a status event and in /python/status.
    runtime = host().hosting.supervisor.start_strategy(check_id(strategy_id), reason="manual")
    if runtime.status is Status.WAITING:
        return ok(entry_of(strategy_id), f"Waiting to start: {runtime.reason}")
    return ok(entry_of(strategy_id), "Starting the strategy.")


@bp.post("/stop/<strategy_id>")
@login_required
def stop(strategy_id: str) -> Any:
    runtime = host().hosting.supervisor.stop_strategy(check_id(strategy_id), reason="manual")
    message = "Stopping the strategy." if runtime.status is Status.STOPPING else "Strategy stopped."
    return ok(entry_of(strategy_id), message)


@bp.post("/stop-all")
@login_required
def stop_all() -> Any:
    count = host().hosting.supervisor.stop_all()
    return ok({"stopped": count}, f"Stopping {count} strateg{'y' if count == 1 else 'ies'}.")


@bp.post("/clear-error/<strategy_id>")
@login_required
def clear_error(strategy_id: str) -> Any:
    host().hosting.strategies.clear_error(strategy_id)
    return ok(entry_of(strategy_id), "Error cleared.")


@bp.get("/status")
@login_required
def status() -> Any:
    return ok(host().hosting.supervisor.status())


@bp.get("/events")
@login_required
def events() -> Any:
    last_id = parse_event_id(request.headers.get("Last-Event-ID") or request.args.get("last_event_id"))
    return sse_response(host().hosting.streams.status(last_id))
