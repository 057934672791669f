"""The API key page: show the key, regenerate it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from blueprints.auth import keep_session
from blueprints.web import host, ok, wants_json

bp = Blueprint("apikey", __name__)


@bp.get("/apikey")
@login_required
def show() -> str:
    key = host().api_keys.current(current_user.id)
    return render_template("apikey.html", api_key=key, host_url=host().listen_url)


@bp.post("/apikey")
@login_required
def regenerate() -> Any:
    renewed = host().api_keys.regenerate(current_user.id)
    keep_session(renewed.session_generation)  # every other login session has ended
    message = "A new API key was generated; the old one no longer works and other logins have ended."
    if wants_json():
        return ok({"api_key": renewed.api_key}, message)
    flash(message, "success")
    return redirect(url_for("apikey.show"))
