"""Login, logout, first-run setup and the CSRF token endpoint.

A login session carries the account's session generation; the user loader compares it on every
request, so logout (and a new API key) ends every copy of an older session cookie.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from blueprints.web import host, ok, wants_json
from services.accounts import Account
from services.errors import InvalidInput, NotAuthenticated

bp = Blueprint("auth", __name__, url_prefix="/auth")

SESSION_GENERATION = "session_generation"


class SessionUser(UserMixin):
    """The logged-in admin as Flask-Login sees it."""

    def __init__(self, account: Account) -> None:
        self.id = account.id
        self.username = account.username


def _form() -> dict[str, Any]:
    if request.is_json:
        payload = request.get_json(silent=True)
        return payload if isinstance(payload, dict) else {}
    return dict(request.form)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login (no open redirects)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("dashboard.index")


def _log_in(account: Account) -> None:
    session.clear()  # a fresh session on login: no fixation of a pre-login session
    login_user(SessionUser(account))
    keep_session(account.session_generation)
    # Permanent: the cookie and its signature expire PERMANENT_SESSION_LIFETIME after the last
    # request (Flask refreshes a permanent session on each one).
    session.permanent = True


def keep_session(generation: int) -> None:
    """This browser's session stays valid at ``generation`` (after a login or a new API key)."""
    session[SESSION_GENERATION] = generation


def _client() -> str:
    # The real client: waitress rewrites remote_addr from X-Forwarded-For only for TRUSTED_PROXY.
    return request.remote_addr or ""


def _render_setup(fields: dict[str, str], username: str) -> str:
    return render_template(
        "auth/setup.html",
        fields=fields,
        username=username,
        min_password_length=host().settings.min_password_length,
    )


@bp.get("/setup")
def setup() -> Response | str:
    if host().accounts.is_set_up():
        flash("Setup is already complete. Please log in.", "info")
        return redirect(url_for("auth.login"))  # type: ignore[return-value]
    return _render_setup({}, "")


@bp.post("/setup")
def setup_submit() -> Any:
    form = _form()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    try:
        account = host().accounts.set_up(username, password, _client())
    except InvalidInput as error:
        if wants_json():
            raise
        return _render_setup(error.fields, username), 400
    _log_in(account)
    if wants_json():
        return ok({"username": account.username}, "Admin user created.", 201)
    flash(f"Welcome, {account.username}. Your API key is ready on the API Key page.", "success")
    return redirect(url_for("dashboard.index"))


@bp.get("/login")
def login() -> Any:
    if not host().accounts.is_set_up():
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    return render_template("auth/login.html", error=None, username="", next=request.args.get("next", ""))


@bp.post("/login")
def login_submit() -> Any:
    form = _form()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    try:
        account = host().accounts.authenticate(username, password, _client())
    except NotAuthenticated as error:
        if wants_json():
            raise
        return (
            render_template(
                "auth/login.html", error=error.message, username=username, next=form.get("next", "")
            ),
            401,
        )
    _log_in(account)
    if wants_json():
        return ok({"username": account.username}, "Logged in.")
    return redirect(_safe_next(str(form.get("next") or request.args.get("next") or "")))


@bp.post("/logout")
@login_required
def logout() -> Any:
    host().accounts.end_sessions(current_user.id)  # a copy of this session's cookie is void too
    logout_user()
    session.clear()
    if wants_json():
        return ok(message="Logged out.")
    flash("You have been logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.get("/csrf-token")
def csrf_token() -> Response:
    return jsonify(csrf_token=generate_csrf())


def _unauthorized() -> Any:
    if wants_json():
        raise NotAuthenticated("Please log in first.")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def init_auth(app: Flask) -> None:
    """Register the blueprint and the session user loader (login limits live in the service)."""
    login_manager = LoginManager()
    login_manager.session_protection = "strong"
    login_manager.init_app(app)

    @login_manager.user_loader
    def load_user(user_id: str) -> SessionUser | None:
        if not user_id.isdigit():
            return None
        account = host().accounts.get(int(user_id))
        if account is None or session.get(SESSION_GENERATION) != account.session_generation:
            return None  # logged out (or the API key was renewed) since this session began
        return SessionUser(account)

    login_manager.unauthorized_handler(_unauthorized)
    app.register_blueprint(bp)
