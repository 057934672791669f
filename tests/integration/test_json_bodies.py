"""JSON bodies that used to crash a view (500) are a 400 at the edge, before any API key is read:
deeply nested JSON is "malformed JSON", a number no field can hold is named by its field."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.apps import api_key_of, csrf_token, host_of

DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"apikey": ' + b'{"a": ' * 50 + b"1" + b"}" * 50 + b"}"
HUGE = "1" + "0" * 400
JSON = {"Content-Type": "application/json"}


def _api(client: FlaskClient, endpoint: str, body: bytes) -> tuple[int, dict[str, object]]:
    response = client.post(f"/api/v1/{endpoint}", data=body, headers=JSON)
    return response.status_code, response.get_json()


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["deep-array", "deep-object"])
@pytest.mark.parametrize("endpoint", ["placeorder", "placesmartorder", "funds", "quotes"])
def test_deeply_nested_json_is_400_malformed_without_an_api_key(
    client: FlaskClient, endpoint: str, body: bytes
) -> None:
    status, payload = _api(client, endpoint, body)
    assert status == 400, payload
    assert payload["status"] == "error" and "malformed JSON" in str(payload["message"])


@pytest.mark.parametrize(
    ("endpoint", "field", "value"),
    [
        ("placeorder", "quantity", HUGE),
        ("placeorder", "price", HUGE),
        ("placeorder", "price", "1e999"),
        ("placesmartorder", "position_size", "-" + HUGE),
        ("modifyorder", "quantity", HUGE),
        ("placeorder", "quantity", "NaN"),
    ],
)
def test_a_number_too_large_is_400_naming_the_field_with_or_without_a_key(
    app: Flask, admin_client: FlaskClient, endpoint: str, field: str, value: str
) -> None:
    order = f'"symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": 1, "{field}": {value}'
    for key in ("", f'"apikey": "{api_key_of(app)}", '):
        status, payload = _api(admin_client, endpoint, ("{" + key + order + "}").encode())
        assert status == 400, payload
        assert field in payload["fields"], payload  # type: ignore[operator]


def test_a_large_but_sane_body_still_works(app: Flask, admin_client: FlaskClient) -> None:
    host_of(app).venue.master_contract.download_now()
    body = f'{{"apikey": "{api_key_of(app)}", "symbol": "SBIN", "exchange": "NSE", "action": "BUY", '
    body += '"quantity": "3", "strategy": "edge", "extra": [[[[1, 2.5, -9223372036854775808]]]]}'
    status, payload = _api(admin_client, "placeorder", body.encode())
    assert status == 200 and payload["status"] == "success", payload


def _web(client: FlaskClient, url: str, body: bytes) -> tuple[int, dict[str, object]]:
    headers = {**JSON, "X-CSRFToken": csrf_token(client), "Accept": "application/json"}
    response = client.post(url, data=body, headers=headers)
    return response.status_code, response.get_json()


@pytest.mark.parametrize(
    "url", ["/sandbox/price", "/python/env/any-id", "/python/save/any-id", "/python/schedule/any-id"]
)
def test_the_host_json_endpoints_refuse_the_same_bodies(admin_client: FlaskClient, url: str) -> None:
    status, payload = _web(admin_client, url, DEEP)
    assert status == 400 and "malformed JSON" in str(payload["message"]), payload
    status, payload = _web(admin_client, url, b'{"price": ' + HUGE.encode() + b"}")
    assert status == 400 and "price" in payload["data"]["fields"], payload  # type: ignore[index]


def test_login_and_setup_refuse_them_too(client: FlaskClient) -> None:
    for url in ("/auth/setup", "/auth/login"):
        status, payload = _web(client, url, DEEP)
        assert status == 400 and "malformed JSON" in str(payload["message"]), payload
        status, payload = _web(client, url, b'{"username": "x", "password": "y", "n": {')
        assert status == 400 and "malformed JSON" in str(payload["message"]), payload
