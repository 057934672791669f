"""The landing page after login."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from blueprints.web import host

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required
def index() -> str:
    settings = host().settings
    return render_template(
        "dashboard.html",
        host_url=host().listen_url,
        data_dir=str(settings.data_dir),
        database=settings.effective_database_url.split("://", 1)[0],
    )
