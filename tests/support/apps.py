"""Build isolated apps and clients for tests (each test gets its own DATA_DIR)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from blueprints.web import HOST_EXTENSION
from services.host import Host
from services.settings import Settings

ADMIN_USER = "admin"
ADMIN_PASSWORD = "correct horse battery"


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a test host: nothing read from the developer's environment or .env."""
    overrides.setdefault("start_background", False)
    return Settings.from_env(environ={}, dotenv_path=data_dir / "no.env", data_dir=data_dir, **overrides)


def host_of(app: Flask) -> Host:
    return app.extensions[HOST_EXTENSION]  # type: ignore[no-any-return]


def csrf_token(client: FlaskClient) -> str:
    return str(client.get("/auth/csrf-token").get_json()["csrf_token"])


def set_up_admin(client: FlaskClient) -> None:
    """Create the admin through the real setup endpoint; the client ends up logged in."""
    response = client.post(
        "/auth/setup",
        json={"username": ADMIN_USER, "password": ADMIN_PASSWORD},
        headers={"X-CSRFToken": csrf_token(client)},
    )
    assert response.status_code == 201, response.get_data(as_text=True)


def post_json(client: FlaskClient, url: str, payload: Any = None) -> Any:
    """POST JSON with a valid CSRF token, as the browser's fetch helper does."""
    return client.post(
        url, json=payload if payload is not None else {}, headers={"X-CSRFToken": csrf_token(client)}
    )


def api_key_of(app: Flask) -> str:
    key = host_of(app).api_keys.primary()
    assert key is not None
    return key


def build_app(data_dir: Path, **overrides: Any) -> Flask:
    return create_app(make_settings(data_dir, **overrides))
