"""The /sandbox page: funds, positions, order book and trade book, live; the master contract and its reload.

Also provides the master-contract badge of the top bar (a context processor for every page) and,
while the sandbox broker is active, moving a symbol's simulated price (to see a stop trigger or a
limit fill without waiting for the market). What the page shows is assembled by the venue's
``Portfolio`` (services/broker/portfolio.py).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from blueprints.web import host, json_body, ok
from services.broker.portfolio import parse_price_move

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")

BADGE_LABELS = {"pending": "pending", "downloading": "downloading…", "success": "ready", "error": "error"}


@bp.get("")
@login_required
def index() -> str:
    return render_template("sandbox.html", snapshot=host().venue.portfolio.snapshot(current_user.id))


@bp.get("/data")
@login_required
def data() -> Any:
    return ok(host().venue.portfolio.snapshot(current_user.id))


@bp.post("/master-contract/reload")
@login_required
def reload_master_contract() -> Any:
    master_contract = host().venue.master_contract
    started = master_contract.reload()
    message = "Master contract download started." if started else "A download is already running."
    return ok(master_contract.state().as_dict(), message, 202)


@bp.post("/price")
@login_required
def move_price() -> Any:
    """Move a symbol's simulated price (``price``), or put it back on its own path (``price: null``)."""
    ltp, message = host().venue.portfolio.move_price(parse_price_move(json_body()))
    return ok({"ltp": ltp}, message)


@bp.app_context_processor
def master_contract_badge() -> dict[str, Any]:
    """The top bar's master-contract badge, on every page a logged-in user sees."""
    if not current_user.is_authenticated:
        return {}
    venue = host().venue
    state = venue.master_contract.state()
    return {
        "master_contract_badge": {
            "status": state.status,
            "label": BADGE_LABELS.get(state.status, state.status),
            "title": state.error or f"{state.symbol_count} symbols",
        },
        # A function, so that only the page that shows the summary (the dashboard) pays for it.
        "sandbox_summary": lambda: venue.portfolio.summary(current_user.id),
    }
