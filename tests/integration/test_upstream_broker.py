"""BROKER=upstream for real: a second instance of this app, in sandbox mode, is the upstream server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.sdk import LiveHost, start_live_host


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveHost, LiveHost]]:
    root = tmp_path_factory.mktemp("upstream")
    upstream = start_live_host(root / "upstream", {"ORDER_RATE_LIMIT": "1000 per second"})
    try:
        env = {
            "BROKER": "upstream",
            "UPSTREAM_HOST": upstream.url,
            "UPSTREAM_API_KEY": upstream.api_key,
            "UPSTREAM_TIMEOUT_S": "5",
            "ORDER_RATE_LIMIT": "1000 per second",
        }
        downstream = start_live_host(root / "downstream", env)
    except BaseException:
        upstream.stop()
        raise
    yield downstream, upstream
    downstream.stop()
    upstream.stop()


def test_the_master_contract_is_downloaded_from_the_upstream(pair: tuple[LiveHost, LiveHost]) -> None:
    downstream, upstream = pair
    ours = downstream.sandbox()
    assert ours["broker"] == "upstream" and ours["mode"] is None
    assert ours["master_contract"]["symbol_count"] == upstream.sandbox()["master_contract"]["symbol_count"]
    nfo = downstream.client().instruments(exchange="NFO")
    assert set(nfo["lotsize"]) == {65, 30}


def test_market_data_is_the_upstreams(pair: tuple[LiveHost, LiveHost]) -> None:
    downstream, upstream = pair
    ours = downstream.client().history(
        symbol="SBIN", exchange="NSE", interval="5m", start_date="2026-11-09", end_date="2026-11-13"
    )
    theirs = upstream.client().history(
        symbol="SBIN", exchange="NSE", interval="5m", start_date="2026-11-09", end_date="2026-11-13"
    )
    assert len(ours) == 5 * 75 and ours.equals(theirs)
    quote = downstream.client().quotes(symbol="SBIN", exchange="NSE")
    assert quote["status"] == "success" and "mode" not in quote  # a live broker's answer
    assert quote["data"]["ltp"] > 0
    depth = downstream.client().depth(symbol="SBIN", exchange="NSE")["data"]
    assert len(depth["bids"]) == 5
    many = downstream.client().multiquotes(
        symbols=[{"symbol": "TCS", "exchange": "NSE"}, {"symbol": "NOPE", "exchange": "NSE"}]
    )
    assert many["results"][0]["data"]["ltp"] > 0 and "NOPE" in many["results"][1]["error"]


def test_orders_land_in_the_upstream_account(pair: tuple[LiveHost, LiveHost]) -> None:
    downstream, upstream = pair
    client = downstream.client()
    placed = client.placeorder(
        strategy="relay", symbol="AXISBANK", action="BUY", exchange="NSE", product="MIS", quantity=12
    )
    assert placed["status"] == "success", placed
    orderid = placed["orderid"]
    upstream_book = upstream.client().orderbook()["data"]["orders"]
    assert orderid in [o["orderid"] for o in upstream_book]
    assert client.orderstatus(order_id=orderid)["data"]["order_status"] == "complete"
    assert client.openposition(symbol="AXISBANK", exchange="NSE", product="MIS")["quantity"] == "12"
    assert client.funds()["data"] == upstream.client().funds()["data"]
    positions = {p["symbol"]: p for p in client.positionbook()["data"]}
    assert positions["AXISBANK"]["quantity"] == "12"
    trades = client.tradebook()["data"]
    assert any(t["orderid"] == orderid for t in trades)

    matched = client.placesmartorder(
        symbol="AXISBANK", action="BUY", exchange="NSE", product="MIS", quantity=12, position_size=12
    )
    assert matched["message"] == "Positions Already Matched. No Action needed."
    flat = client.placesmartorder(
        symbol="AXISBANK", action="SELL", exchange="NSE", product="MIS", quantity=0, position_size=0
    )
    assert flat["status"] == "success" and flat["orderid"]
    assert upstream.client().openposition(symbol="AXISBANK", exchange="NSE", product="MIS")["quantity"] == "0"

    ltp = client.quotes(symbol="AXISBANK", exchange="NSE")["data"]["ltp"]
    resting = client.placeorder(
        symbol="AXISBANK",
        action="BUY",
        exchange="NSE",
        product="MIS",
        quantity=1,
        price_type="LIMIT",
        price=round(ltp - 50, 1),
    )["orderid"]
    modified = client.modifyorder(
        order_id=resting,
        symbol="AXISBANK",
        action="BUY",
        exchange="NSE",
        price_type="LIMIT",
        product="MIS",
        quantity=2,
        price=round(ltp - 60, 1),
    )
    assert modified["orderid"] == resting
    assert upstream.client().orderstatus(order_id=resting)["data"]["quantity"] == "2"
    assert client.cancelorder(order_id=resting)["orderid"] == resting
    assert client.cancelallorder(strategy="relay")["status"] == "success"
    assert client.closeposition(strategy="relay")["message"] in {
        "No open positions to close",
        "All Open Positions Squared Off",
    }


def test_upstream_errors_come_back_as_such(pair: tuple[LiveHost, LiveHost]) -> None:
    downstream, _upstream = pair
    client = downstream.client()
    unknown = client.placeorder(symbol="NOSUCH", action="BUY", exchange="NSE", quantity=1)
    assert unknown["code"] == 400 and "NOSUCH" in unknown["message"]
    missing = client.orderstatus(order_id="424242")
    assert missing["code"] == 404
    assert client.quotes(symbol="SBIN", exchange="NSE")["status"] == "success"
    moved = downstream.session.post("/sandbox/price", {"symbol": "SBIN", "exchange": "NSE", "price": 1})
    assert moved.status_code == 409  # no simulated prices to move on a live broker


def test_a_refused_upstream_key_is_503_naming_the_setting(
    pair: tuple[LiveHost, LiveHost], tmp_path: Path
) -> None:
    _downstream, upstream = pair
    env = {"BROKER": "upstream", "UPSTREAM_HOST": upstream.url, "UPSTREAM_API_KEY": "wrong-key-0123456789"}
    live = start_live_host(tmp_path / "data", env, wait_ready=False)
    try:
        funds = live.client().funds()
        assert funds["code"] == 503 and "refused UPSTREAM_API_KEY" in funds["message"]
        assert "wrong-key-0123456789" not in funds["message"]
    finally:
        live.stop()


def test_an_unreachable_upstream_is_503_with_a_clear_message(tmp_path: Path) -> None:
    # An upstream that is not listening: the host starts, its master contract reports the error,
    # and every call says which server could not be reached instead of hanging.
    env = {
        "BROKER": "upstream",
        "UPSTREAM_HOST": "http://127.0.0.1:9",
        "UPSTREAM_API_KEY": "whatever",
        "UPSTREAM_TIMEOUT_S": "2",
    }
    live = start_live_host(tmp_path / "data", env, wait_ready=False)
    try:
        response = httpx.post(
            f"{live.url}/api/v1/quotes", json={"apikey": live.api_key, "symbol": "SBIN", "exchange": "NSE"}
        )
        assert response.status_code == 503
        assert "Cannot reach the upstream OpenAlgo server at http://127.0.0.1:9" in response.json()["message"]
        snapshot = live.sandbox()
        assert snapshot["master_contract"]["status"] in {"downloading", "error"}
        assert "whatever" not in (live.server.data_dir / "log" / "app.log").read_text()
    finally:
        live.stop()
