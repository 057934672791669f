"""Every route is covered automatically: new routes join these tests without edits."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.routing import Rule

from tests.support.apps import build_app, host_of

# Routes anyone may reach without a session; each has its own protection.
PUBLIC_PREFIXES = ("/static/", "/auth/login", "/auth/setup", "/auth/csrf-token", "/api/v1/")
# Machine-to-machine endpoints that authenticate with an API key or webhook id instead of CSRF.
CSRF_EXEMPT_PREFIXES = ("/api/v1/", "/strategy/webhook/", "/strategy/execute/")


def _rules() -> list[Rule]:
    with tempfile.TemporaryDirectory() as scratch:
        app = build_app(Path(scratch))
        try:
            return list(app.url_map.iter_rules())
        finally:
            host_of(app).shutdown()


RULES = _rules()


def _url(rule: Rule) -> str:
    values = dict.fromkeys(rule.arguments, "1")
    return rule.build(values, append_unknown=False)[1]  # type: ignore[index]


def _ids(rules: list[Rule]) -> list[str]:
    return [f"{sorted(rule.methods or [])} {rule.rule}" for rule in rules]


POST_RULES = [
    r for r in RULES if "POST" in (r.methods or set()) and not r.rule.startswith(CSRF_EXEMPT_PREFIXES)
]
PROTECTED_GET_RULES = [
    r for r in RULES if "GET" in (r.methods or set()) and not r.rule.startswith(PUBLIC_PREFIXES)
]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    application = build_app(tmp_path_factory.mktemp("routes"))
    yield application
    host_of(application).shutdown()


def test_the_route_lists_are_not_empty() -> None:
    assert len(POST_RULES) >= 3
    assert len(PROTECTED_GET_RULES) >= 2


@pytest.mark.parametrize("rule", POST_RULES, ids=_ids(POST_RULES))
def test_every_post_without_csrf_token_is_400(app: Flask, rule: Rule) -> None:
    response = app.test_client().post(_url(rule), json={})
    assert response.status_code == 400
    assert "CSRF" in response.get_json()["message"]


@pytest.mark.parametrize("rule", PROTECTED_GET_RULES, ids=_ids(PROTECTED_GET_RULES))
def test_protected_pages_redirect_browsers_to_login(app: Flask, rule: Rule) -> None:
    response = app.test_client().get(_url(rule), headers={"Accept": "text/html"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


@pytest.mark.parametrize("rule", PROTECTED_GET_RULES, ids=_ids(PROTECTED_GET_RULES))
def test_protected_json_gets_401(app: Flask, rule: Rule) -> None:
    response = app.test_client().get(_url(rule), headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["success"] is False
