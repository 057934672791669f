"""``/strategy/api``: strategies, their symbol mappings and deliveries as JSON (session + CSRF)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_login import current_user, login_required

from blueprints.strategy import custom_files
from blueprints.web import fail, host, json_body, ok
from services.errors import InvalidInput
from services.webhooks.console import WebhookConsole

bp = Blueprint("api", __name__, url_prefix="/api")
bp.register_blueprint(custom_files.bp)  # /strategy/api/custom...

DELIVERIES_PAGE_MAX = 500


def _console() -> WebhookConsole:
    return host().webhooks.console


def _base_url() -> str:
    return request.host_url


@bp.get("/strategies")
@login_required
def strategies() -> Any:
    return ok({"strategies": _console().all(_base_url())})


@bp.post("/strategies")
@login_required
def create() -> Any:
    strategy = _console().create(int(current_user.get_id()), json_body(), _base_url())
    return ok(strategy, f"Strategy {strategy['name']!r} created.", 201)


@bp.get("/strategies/<int:strategy_id>")
@login_required
def detail(strategy_id: int) -> Any:
    return ok(_console().detail(strategy_id, _base_url()))


@bp.post("/strategies/<int:strategy_id>")
@login_required
def update(strategy_id: int) -> Any:
    strategy = _console().update(strategy_id, json_body(), _base_url())
    return ok(strategy, "Strategy saved.")


@bp.post("/strategies/<int:strategy_id>/delete")
@login_required
def delete(strategy_id: int) -> Any:
    gone = _console().delete(strategy_id)
    return ok(gone, f"Strategy {gone['name']!r} deleted.")


@bp.post("/strategies/<int:strategy_id>/toggle")
@login_required
def toggle(strategy_id: int) -> Any:
    # {"is_active": true|false} sets the state (two tabs or a double click cannot undo each
    # other); an empty body flips it.
    strategy = _console().toggle(strategy_id, json_body(), _base_url())
    state = "active: alerts are acted on" if strategy["is_active"] else "inactive: alerts are refused"
    return ok(strategy, f"Strategy {state}.")


@bp.post("/strategies/<int:strategy_id>/rotate-webhook")
@login_required
def rotate_webhook(strategy_id: int) -> Any:
    strategy = _console().rotate_webhook(strategy_id, _base_url())
    return ok(strategy, "New webhook URL: the old one no longer works. Update your alerts.")


@bp.post("/strategies/<int:strategy_id>/symbols")
@login_required
def add_symbol(strategy_id: int) -> Any:
    mapping = _console().add_mapping(strategy_id, json_body())
    return ok({"mapping": mapping}, f"{mapping['symbol']} mapped.", 201)


@bp.post("/strategies/<int:strategy_id>/symbols/<int:mapping_id>/delete")
@login_required
def delete_symbol(strategy_id: int, mapping_id: int) -> Any:
    mapping = _console().delete_mapping(strategy_id, mapping_id)
    return ok({"mapping": mapping}, f"{mapping['symbol']} removed.")


@bp.get("/strategies/<int:strategy_id>/deliveries")
@login_required
def deliveries(strategy_id: int) -> Any:
    limit = _int_arg("limit", 100, 1, DELIVERIES_PAGE_MAX)
    before = request.args.get("before")
    before_id = _int_arg("before", 0, 1, 2**62) if before else None
    return ok({"deliveries": _console().deliveries(strategy_id, limit, before_id)})


@bp.get("/strategies/<int:strategy_id>/executions")
@login_required
def executions(strategy_id: int) -> Any:
    limit = _int_arg("limit", 50, 1, DELIVERIES_PAGE_MAX)
    before = request.args.get("before")
    before_id = _int_arg("before", 0, 1, 2**62) if before else None
    return ok({"executions": host().execution.desk.executions_of(strategy_id, limit, before_id)})


@bp.post("/strategies/<int:strategy_id>/run")
@login_required
def run(strategy_id: int) -> Any:
    """ "Run now": the answer of ``/strategy/execute`` in the host's JSON envelope."""
    answer = host().execution.desk.run_from_page(
        strategy_id, request.args.get("mode", "immediate"), json_body(), request.args.get("wait")
    )
    succeeded = answer.body.get("execution_status") == "succeeded"
    message = str(answer.body.get("message") or answer.body.get("execution_status", ""))
    return (
        ok(answer.body, message, answer.code)
        if answer.code < 400 or succeeded
        else fail(message, answer.code, answer.body)
    )


@bp.get("/executions/<int:execution_id>")
@login_required
def execution(execution_id: int) -> Any:
    return ok(host().execution.desk.execution(execution_id))


@bp.get("/symbols")
@login_required
def symbols() -> Any:
    query = request.args.get("q", "")
    if len(query) > 64:
        raise InvalidInput("q must be at most 64 characters.", fields={"q": "is too long"})
    exchange = request.args.get("exchange") or None
    return ok({"symbols": _console().search_symbols(query, exchange)})


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidInput(
            f"{name} must be a whole number from {low} to {high}.", fields={name: "is invalid"}
        )
    return int(raw)
