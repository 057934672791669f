from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient

from tests.support.apps import ADMIN_PASSWORD, ADMIN_USER, csrf_token, set_up_admin

HTML = {"Accept": "text/html"}


def page_token(client: FlaskClient, url: str) -> str:
    html = client.get(url, headers=HTML).get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, f"no csrf meta tag on {url}"
    return match.group(1)


def login(client: FlaskClient, password: str, username: str = ADMIN_USER) -> object:
    token = page_token(client, "/auth/login")
    return client.post(
        "/auth/login", data={"username": username, "password": password, "csrf_token": token}, headers=HTML
    )


def test_first_visit_leads_to_setup(client: FlaskClient) -> None:
    response = client.get("/", headers=HTML)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    assert client.get("/auth/login", headers=HTML).headers["Location"] == "/auth/setup"


def test_setup_login_logout_cycle(client: FlaskClient) -> None:
    token = page_token(client, "/auth/setup")
    created = client.post(
        "/auth/setup",
        data={"username": ADMIN_USER, "password": ADMIN_PASSWORD, "csrf_token": token},
        headers=HTML,
    )
    assert created.status_code == 302 and created.headers["Location"] == "/"
    assert "Dashboard" in client.get("/", headers=HTML).get_data(as_text=True)

    token = page_token(client, "/")
    out = client.post("/auth/logout", data={"csrf_token": token}, headers=HTML)
    assert out.status_code == 302
    assert client.get("/", headers=HTML).status_code == 302

    response = login(client, ADMIN_PASSWORD)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert client.get("/", headers=HTML).status_code == 200


def test_setup_is_refused_once_a_user_exists(client: FlaskClient) -> None:
    set_up_admin(client)
    second = client.post(
        "/auth/setup",
        json={"username": "intruder", "password": "another long password"},
        headers={"X-CSRFToken": csrf_token(client)},
    )
    assert second.status_code == 409
    assert "already complete" in second.get_json()["message"]
    assert client.get("/auth/setup", headers=HTML).headers["Location"] == "/auth/login"


def test_short_password_and_bad_username_are_refused_with_field_messages(client: FlaskClient) -> None:
    response = client.post(
        "/auth/setup",
        json={"username": "a", "password": "short"},
        headers={"X-CSRFToken": csrf_token(client)},
    )
    assert response.status_code == 400
    fields = response.get_json()["data"]["fields"]
    assert "at least 10 characters" in fields["password"]
    assert "username" in fields


def test_wrong_password_and_unknown_user_get_the_same_generic_message(client: FlaskClient) -> None:
    set_up_admin(client)
    client.post("/auth/logout", headers={"X-CSRFToken": csrf_token(client)})
    wrong_password = login(client, "not the password")
    unknown_user = login(client, ADMIN_PASSWORD, username="nobody")
    for response in (wrong_password, unknown_user):
        assert response.status_code == 401  # type: ignore[attr-defined]
        assert "Invalid username or password." in response.get_data(as_text=True)  # type: ignore[attr-defined]


def test_sixth_quick_wrong_attempt_is_rate_limited(client: FlaskClient) -> None:
    set_up_admin(client)
    client.post("/auth/logout", headers={"X-CSRFToken": csrf_token(client)})
    statuses = [login(client, f"wrong-{n}").status_code for n in range(6)]  # type: ignore[attr-defined]
    assert statuses == [401, 401, 401, 401, 401, 429]
    # Even the right password waits until the window passes.
    assert login(client, ADMIN_PASSWORD).status_code == 429  # type: ignore[attr-defined]


def test_successful_logins_do_not_count_towards_the_limit(client: FlaskClient) -> None:
    set_up_admin(client)
    for _ in range(7):
        client.post("/auth/logout", headers={"X-CSRFToken": csrf_token(client)})
        assert login(client, ADMIN_PASSWORD).status_code == 302  # type: ignore[attr-defined]


def test_session_cookie_is_httponly_and_samesite_lax(client: FlaskClient) -> None:
    response = client.post(
        "/auth/setup",
        json={"username": ADMIN_USER, "password": ADMIN_PASSWORD},
        headers={"X-CSRFToken": csrf_token(client)},
    )
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if "session" in h)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_login_redirect_only_follows_local_paths(client: FlaskClient) -> None:
    set_up_admin(client)
    client.post("/auth/logout", headers={"X-CSRFToken": csrf_token(client)})
    token = page_token(client, "/auth/login")
    response = client.post(
        "/auth/login",
        data={
            "username": ADMIN_USER,
            "password": ADMIN_PASSWORD,
            "csrf_token": token,
            "next": "//evil.example",
        },
        headers=HTML,
    )
    assert response.headers["Location"] == "/"


def test_passwords_never_reach_the_log(client: FlaskClient, data_dir: Path) -> None:
    set_up_admin(client)
    client.post("/auth/logout", headers={"X-CSRFToken": csrf_token(client)})
    login(client, "wrong-password-value-123")
    log_text = (data_dir / "log" / "app.log").read_text()
    assert ADMIN_PASSWORD not in log_text
    assert "wrong-password-value-123" not in log_text
