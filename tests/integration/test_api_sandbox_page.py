"""The /sandbox page and its JSON: what a logged-in trader sees of the paper account, and its controls."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.support.apps import api_key_of, host_of, post_json


def _api(client: FlaskClient, app: Flask, endpoint: str, **fields: object) -> dict[str, object]:
    response = client.post(f"/api/v1/{endpoint}", json={"apikey": api_key_of(app), **fields})
    return dict(response.get_json())


def test_the_page_before_the_master_contract_is_loaded(app: Flask, admin_client: FlaskClient) -> None:
    page = admin_client.get("/sandbox", headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Contracts: pending" in html
    assert "No positions yet." in html and "No orders today." in html
    data = admin_client.get("/sandbox/data", headers={"Accept": "application/json"}).get_json()["data"]
    assert data["master_contract"]["status"] == "pending" and data["funds"] is None


def test_the_page_shows_the_paper_account(app: Flask, admin_client: FlaskClient) -> None:
    host_of(app).venue.master_contract.download_now()
    order = _api(
        admin_client, app, "placeorder", symbol="RELIANCE", exchange="NSE", action="BUY", quantity="4"
    )
    assert order["status"] == "success"

    html = admin_client.get("/sandbox", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert str(order["orderid"]) in html and "RELIANCE" in html
    assert "Contracts: ready" in html and "Reload" in html and "Move a price" in html
    assert 'src="/static/js/sandbox.js"' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline scripts break the CSP"

    data = admin_client.get("/sandbox/data", headers={"Accept": "application/json"}).get_json()["data"]
    assert data["broker"] == "sandbox" and data["master_contract"]["ready"] is True
    [position] = data["positions"]
    assert (position["symbol"], position["quantity"]) == ("RELIANCE", 4)
    [listed] = data["orders"]
    assert (listed["orderid"], listed["status"], listed["badge"]) == (order["orderid"], "complete", "success")
    assert data["trades"][0]["quantity"] == 4
    assert data["funds"]["used_margin"] > 0
    assert data["funds"]["available"] == round(10_000_000 - data["funds"]["used_margin"], 2)


def test_moving_a_price_from_the_page(app: Flask, admin_client: FlaskClient) -> None:
    host_of(app).venue.master_contract.download_now()
    moved = post_json(admin_client, "/sandbox/price", {"exchange": "nse", "symbol": "tcs", "price": "2500"})
    assert moved.status_code == 200 and moved.get_json()["data"]["ltp"] == 2500.0
    quote = _api(admin_client, app, "quotes", symbol="TCS", exchange="NSE")
    assert quote["data"]["ltp"] == 2500.0  # type: ignore[index]
    data = admin_client.get("/sandbox/data", headers={"Accept": "application/json"}).get_json()["data"]
    assert [m["symbol"] for m in data["moved_prices"]] == ["TCS"]

    reset = post_json(admin_client, "/sandbox/price", {"exchange": "NSE", "symbol": "TCS", "price": None})
    assert reset.status_code == 200 and reset.get_json()["data"]["ltp"] != 2500.0

    for payload, field in [
        ({"exchange": "NSE", "symbol": "NOSUCH", "price": 10}, "symbol"),
        ({"exchange": "NSE", "symbol": "TCS", "price": "cheap"}, "price"),
        ({"exchange": "NSE", "symbol": "TCS", "price": -5}, "price"),
        ({"exchange": "", "symbol": "", "price": 5}, "symbol"),
    ]:
        refused = post_json(admin_client, "/sandbox/price", payload)
        assert refused.status_code == 400 and field in refused.get_json()["data"]["fields"]


def test_an_absurd_price_is_refused_and_the_account_keeps_working(
    app: Flask, admin_client: FlaskClient
) -> None:
    host_of(app).venue.master_contract.download_now()
    _api(admin_client, app, "placeorder", symbol="TCS", exchange="NSE", action="BUY", quantity="2")
    ltp = _api(admin_client, app, "quotes", symbol="TCS", exchange="NSE")["data"]["ltp"]  # type: ignore[index]
    for price in [1e308, "1e308", "nan", "inf", "-inf", 0, True, float(ltp) * 101, float(ltp) / 101]:
        refused = post_json(
            admin_client, "/sandbox/price", {"exchange": "NSE", "symbol": "TCS", "price": price}
        )
        assert refused.status_code == 400, (price, refused.get_json())
        assert "price" in refused.get_json()["data"]["fields"]
    # Nothing moved, and every order and funds call of the account still answers.
    data = admin_client.get("/sandbox/data", headers={"Accept": "application/json"}).get_json()["data"]
    assert data["moved_prices"] == [] and data["error"] is None
    assert _api(admin_client, app, "funds")["status"] == "success"
    assert _api(admin_client, app, "positionbook")["status"] == "success"
    order = _api(admin_client, app, "placeorder", symbol="TCS", exchange="NSE", action="SELL", quantity="2")
    assert order["status"] == "success"
    # A bold but sane move (up to 100 times either way) is still allowed.
    moved = post_json(admin_client, "/sandbox/price", {"exchange": "NSE", "symbol": "TCS", "price": ltp * 50})
    assert moved.status_code == 200
    assert _api(admin_client, app, "funds")["status"] == "success"


def test_reload_from_the_page(app: Flask, admin_client: FlaskClient) -> None:
    master = host_of(app).venue.master_contract
    response = post_json(admin_client, "/sandbox/master-contract/reload")
    assert response.status_code == 202
    assert master.wait_ready(30)
    assert master.state().symbol_count > 100


def test_the_badge_is_only_for_logged_in_users(app: Flask, client: FlaskClient) -> None:
    login = client.get("/auth/setup", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "data-master-contract-badge" not in login


def test_the_dashboard_summarises_the_paper_account(app: Flask, admin_client: FlaskClient) -> None:
    before = admin_client.get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "data-account-summary" not in before  # nothing to show before the master contract
    host_of(app).venue.master_contract.download_now()
    _api(admin_client, app, "placeorder", symbol="SBIN", exchange="NSE", action="SELL", quantity="10")
    html = admin_client.get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Paper account" in html
    assert re.search(r"<dt>Open positions</dt><dd>1</dd>", html)
