"""Login sessions end when they should: logout and a new API key void every earlier copy of the
cookie, and an idle session expires."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.apps import ADMIN_PASSWORD, ADMIN_USER, build_app, csrf_token, host_of, set_up_admin

COOKIE = "openalgo_host_session"
JSON = {"Accept": "application/json"}


def _logged_in(app: Flask) -> FlaskClient:
    client = app.test_client()
    response = client.post(
        "/auth/login",
        json={"username": ADMIN_USER, "password": ADMIN_PASSWORD},
        headers={"X-CSRFToken": csrf_token(client)},
    )
    assert response.status_code == 200
    return client


def _replay(app: Flask, cookie: str) -> int:
    """What a stolen copy of a session cookie gets on the API key page."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie)
    return thief.get("/apikey", headers=JSON).status_code


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def test_logout_voids_every_copy_of_the_session_cookie(app: Flask, admin_client: FlaskClient) -> None:
    copied = _cookie(admin_client)
    other_device = _logged_in(app)
    assert _replay(app, copied) == 200

    out = admin_client.post("/auth/logout", headers={"X-CSRFToken": csrf_token(admin_client)})
    assert out.status_code == 200
    assert _replay(app, copied) == 401  # the old cookie used to keep answering 200
    assert other_device.get("/apikey", headers=JSON).status_code == 401
    # Logging in again works, with a session of the new generation.
    assert _logged_in(app).get("/apikey", headers=JSON).status_code == 200


def test_a_new_api_key_ends_the_other_sessions_and_keeps_this_one(
    app: Flask, admin_client: FlaskClient
) -> None:
    other_device = _logged_in(app)
    copied = _cookie(other_device)
    renewed = admin_client.post("/apikey", headers={"X-CSRFToken": csrf_token(admin_client), **JSON})
    assert renewed.status_code == 200
    assert "other logins have ended" in renewed.get_json()["message"]
    assert admin_client.get("/apikey", headers=JSON).status_code == 200  # this browser stays in
    assert other_device.get("/apikey", headers=JSON).status_code == 401
    assert _replay(app, copied) == 401


def test_a_session_lasts_twelve_hours_by_default(app: Flask, client: FlaskClient) -> None:
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)
    set_up_admin(client)
    response = client.get("/apikey", headers=JSON)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "Expires=" in cookie  # a permanent session, refreshed by each request


@pytest.fixture
def short_app(data_dir: Path) -> Iterator[Flask]:
    application = build_app(data_dir, session_lifetime_s=1)
    yield application
    host_of(application).shutdown()


def test_an_idle_session_expires(short_app: Flask) -> None:
    client = short_app.test_client()
    set_up_admin(client)
    copied = _cookie(client)
    assert _replay(short_app, copied) == 200
    time.sleep(2.2)  # PERMANENT_SESSION_LIFETIME=1 s (the signature's age is in whole seconds)
    assert _replay(short_app, copied) == 401
