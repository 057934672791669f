from __future__ import annotations

import threading
import time
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.support.apps import build_app, host_of

HTML = {"Accept": "text/html,application/xhtml+xml"}


def test_factory_starts_no_background_work_in_tests(tmp_path: Path) -> None:
    before = {thread.ident for thread in threading.enumerate()}
    app = build_app(tmp_path)
    try:
        # The rate limiter's in-memory storage arms a 10 ms expiry timer; anything else that
        # is still alive after a moment is background work the factory should not have started.
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            extra = [t.name for t in threading.enumerate() if t.ident not in before]
            if not extra:
                break
            time.sleep(0.02)
        assert extra == []
        assert not host_of(app)._started
    finally:
        host_of(app).shutdown()


def test_runtime_folders_and_private_keys_are_created(app: Flask, data_dir: Path) -> None:
    for name in ("strategies/scripts", "log", "keys", "db"):
        assert (data_dir / name).is_dir()
    for key in (".encryption_key", ".secret_key"):
        assert (data_dir / "keys" / key).stat().st_mode & 0o777 == 0o600


def test_unknown_page_is_a_404_page_for_browsers_and_json_for_clients(client: FlaskClient) -> None:
    page = client.get("/no/such/page", headers=HTML)
    assert page.status_code == 404
    assert "Page not found" in page.get_data(as_text=True)
    api = client.get("/no/such/page")
    assert api.status_code == 404
    assert api.get_json() == {"success": False, "message": "There is nothing at this address.", "data": {}}


def test_wrong_method_is_405(admin_client: FlaskClient) -> None:
    response = admin_client.put("/apikey")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_oversized_request_is_413(admin_client: FlaskClient, app: Flask) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = admin_client.post("/apikey", data=b"x" * (limit + 1), headers={"Content-Type": "text/plain"})
    assert response.status_code == 413
    assert response.get_json()["success"] is False


def test_unexpected_error_is_a_generic_500_and_logged(app: Flask, data_dir: Path) -> None:
    @app.get("/boom-for-test")
    def boom() -> str:
        raise RuntimeError("internal detail password=swordfish123")

    response = app.test_client().get("/boom-for-test")
    assert response.status_code == 500
    body = response.get_json()
    assert "internal detail" not in body["message"]
    log_text = (data_dir / "log" / "app.log").read_text()
    assert "RuntimeError" in log_text
    assert "swordfish123" not in log_text


def test_security_headers_are_set(client: FlaskClient) -> None:
    response = client.get("/auth/setup", headers=HTML)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_nothing_a_logged_in_user_sees_is_cached(admin_client: FlaskClient) -> None:
    for url, headers in [
        ("/apikey", {"Accept": "text/html"}),
        ("/apikey", {"Accept": "application/json"}),
        ("/python/status", {"Accept": "application/json"}),
        ("/", {"Accept": "text/html"}),
        ("/auth/csrf-token", {"Accept": "application/json"}),
    ]:
        response = admin_client.get(url, headers=headers)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    # Static assets stay cacheable.
    assert "no-store" not in admin_client.get("/static/css/app.css").headers.get("Cache-Control", "")
