"""``/python`` variables: a strategy's environment variables (secure ones write-only) and run settings."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_login import login_required

from blueprints.web import host, json_body, ok

bp = Blueprint("variables", __name__)


@bp.get("/env/<strategy_id>")
@login_required
def get_env(strategy_id: str) -> Any:
    view = host().hosting.strategies.variables(strategy_id)
    return ok({"regular": view.regular, "secure": view.secure})


@bp.post("/env/<strategy_id>")
@login_required
def set_env(strategy_id: str) -> Any:
    view = host().hosting.strategies.set_variables(strategy_id, json_body())
    return ok({"regular": view.regular, "secure": view.secure}, "Variables saved.")


@bp.get("/settings/<strategy_id>")
@login_required
def get_settings(strategy_id: str) -> Any:
    return ok(host().hosting.strategies.settings(strategy_id))


@bp.post("/settings/<strategy_id>")
@login_required
def set_settings(strategy_id: str) -> Any:
    return ok(host().hosting.strategies.update_settings(strategy_id, json_body()), "Settings saved.")
