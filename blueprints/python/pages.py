"""The ``/python`` pages: dashboard, upload form, code editor and log viewer (HTML only).

Every page is rendered with its current state, so it reads at once without waiting for a
script; small ES modules (static/js/python/) then keep it live through the JSON API
(the other modules of this package). Nothing here decides what a trader may do: each status entry
carries its ``actions``, ``badge`` and ``note`` (services/hosting/actions.py).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, render_template
from flask_login import login_required

from blueprints.python.format import FORMATTERS
from blueprints.web import host
from services.calendar.exchanges import DEFAULT_SCHEDULE_WINDOWS, STRATEGY_EXCHANGES
from services.calendar.timefmt import DAY_NAMES, DAY_TITLES, format_hhmm
from services.hosting.log_query import TAIL_MAX_LINES
from services.hosting.validation import check_id

bp = Blueprint("pages", __name__)


@bp.context_processor
def page_helpers() -> dict[str, Any]:
    """Formatting helpers and the choices the strategy forms offer (this blueprint's pages only)."""
    return {
        **FORMATTERS,
        "exchanges": STRATEGY_EXCHANGES,
        "days": list(zip(DAY_NAMES, DAY_TITLES, strict=True)),
        "schedule_defaults": {
            exchange: [format_hhmm(start), format_hhmm(stop)]
            for exchange, (start, stop) in DEFAULT_SCHEDULE_WINDOWS.items()
        },
    }


@bp.get("")
@login_required
def dashboard() -> str:
    return render_template("python/dashboard.html", board=host().hosting.supervisor.status())


@bp.get("/new")
@login_required
def new() -> str:
    return render_template("python/upload.html", max_script_bytes=host().hosting.strategies.max_script_bytes)


@bp.get("/edit/<strategy_id>")
@login_required
def edit(strategy_id: str) -> str:
    the_host = host()
    strategies = the_host.hosting.strategies
    record = strategies.get(strategy_id)
    content = strategies.script(strategy_id)
    entry = the_host.hosting.supervisor.status_entry(record.id)
    return render_template("python/editor.html", entry=entry, content=content)


@bp.get("/logs/<strategy_id>")
@login_required
def logs(strategy_id: str) -> str:
    the_host = host()
    entry = the_host.hosting.supervisor.status_entry(check_id(strategy_id))
    runs = [asdict(run) for run in the_host.hosting.strategies.runs(strategy_id)]
    return render_template("python/logs.html", entry=entry, runs=runs, log_lines=TAIL_MAX_LINES)
