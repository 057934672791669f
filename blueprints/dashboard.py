"""The landing page after login."""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, render_template
from flask_login import login_required

from blueprints.web import host

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required
def index() -> str:
    settings = host().settings
    strategies = host().hosting.supervisor.status()["strategies"]
    return render_template(
        "dashboard.html",
        host_url=host().listen_url,
        data_dir=str(settings.data_dir),
        database=settings.effective_database_url.split("://", 1)[0],
        strategy_counts=Counter(entry["status"] for entry in strategies),
        strategy_total=len(strategies),
        next_start=min(
            (entry for entry in strategies if entry.get("next_start")),
            key=lambda entry: entry["next_start"],
            default=None,
        ),
    )
