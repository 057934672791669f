"""``/python`` schedule endpoints: set and remove a strategy's schedule, re-check contracts.

HTTP only: parse, one call to ``host.schedules``, the JSON envelope. A schedule answer's ``data``
is the strategy's status entry (``scheduled``, ``schedule`` with its ``summary``, ``next_start``,
``next_stop``, ``status_reason``...), the same object ``/python/status`` and status events carry.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_login import login_required

from blueprints.web import host, ok
from services.hosting.validation import check_id

bp = Blueprint("schedule", __name__)


@bp.post("/schedule/<strategy_id>")
@login_required
def schedule(strategy_id: str) -> Any:
    # The body goes to the validator as it came: a non-object body is a 400 naming the field.
    payload = request.get_json(silent=True)
    result = host().schedules.set_schedule(check_id(strategy_id), payload)
    return ok(result.entry, result.message)


@bp.post("/unschedule/<strategy_id>")
@login_required
def unschedule(strategy_id: str) -> Any:
    result = host().schedules.unschedule(check_id(strategy_id))
    return ok(result.entry, result.message)


@bp.post("/check-contracts")
@login_required
def check_contracts() -> Any:
    check = host().schedules.check_contracts()
    status = check.master_contract.get("status")
    message = f"Master contract {status}: {len(check.started)} starting, {len(check.waiting)} waiting."
    return ok(check.as_dict(), message)
