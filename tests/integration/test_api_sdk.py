"""The REST API through the real ``openalgo`` SDK against ``python app.py`` on a free port (sandbox)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

from tests.support.sdk import LiveHost, start_live_host
from tests.support.strategies import wait_until

# Orders in this module come faster than the default 10 per second; the limit has its own test.
ENV = {"ORDER_RATE_LIMIT": "1000 per second", "SANDBOX_MATCH_INTERVAL_S": "0.1"}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    host = start_live_host(tmp_path_factory.mktemp("sdk") / "data", ENV)
    yield host
    host.stop()


@pytest.fixture(scope="module")
def client(live: LiveHost) -> Any:
    return live.client()


def _ok(response: dict[str, Any]) -> dict[str, Any]:
    assert response.get("status") == "success", response
    return response


def _error(response: dict[str, Any], code: int) -> str:
    assert response.get("status") == "error" and response.get("code") == code, response
    return str(response["message"])


def test_ping_and_intervals(live: LiveHost, client: Any) -> None:
    ping = httpx.post(f"{live.url}/api/v1/ping", json={"apikey": live.api_key}).json()
    assert ping == {"status": "success", "data": {"message": "pong", "broker": "sandbox"}, "mode": "analyze"}
    intervals = _ok(client.intervals())["data"]
    assert intervals["minutes"] == ["1m", "3m", "5m", "10m", "15m", "30m"]
    assert (intervals["hours"], intervals["days"]) == (["1h"], ["D"])


def test_quotes_multiquotes_and_depth(client: Any) -> None:
    quote = _ok(client.quotes(symbol="RELIANCE", exchange="NSE"))
    assert quote["mode"] == "analyze"
    data = quote["data"]
    assert set(data) >= {"open", "high", "low", "ltp", "ask", "bid", "prev_close", "volume"}
    assert data["bid"] < data["ltp"] < data["ask"] and data["low"] <= data["ltp"] <= data["high"]

    many = _ok(
        client.multiquotes(
            symbols=[
                {"symbol": "TCS", "exchange": "NSE"},
                {"symbol": "NIFTY", "exchange": "NSE_INDEX"},
                {"symbol": "NOPE", "exchange": "NSE"},
            ]
        )
    )
    tcs, nifty, nope = many["results"]
    assert (tcs["symbol"], nifty["exchange"]) == ("TCS", "NSE_INDEX")
    assert tcs["data"]["ltp"] > 0 and nifty["data"]["ltp"] > 10_000
    assert "NOPE" in nope["error"] and "data" not in nope

    depth = _ok(client.depth(symbol="SBIN", exchange="NSE"))["data"]
    assert len(depth["bids"]) == len(depth["asks"]) == 5
    assert depth["bids"][0]["price"] < depth["asks"][0]["price"]
    assert depth["totalbuyqty"] > 0 and depth["ltq"] > 0


def test_history_is_a_dataframe_with_the_right_shape(client: Any) -> None:
    # 2026-11-09 .. 2026-11-15 is Monday to Sunday: five NSE sessions of 375 minutes.
    frame = client.history(
        symbol="INFY", exchange="NSE", interval="1m", start_date="2026-11-09", end_date="2026-11-15"
    )
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["open", "high", "low", "close", "volume", "oi"]
    assert len(frame) == 5 * 375
    assert str(frame.index.tz) == "Asia/Kolkata"
    assert (frame.index[0].hour, frame.index[0].minute) == (9, 15)
    assert (frame.index[-1].hour, frame.index[-1].minute) == (15, 29)
    assert set(frame.index.day_of_week) == {0, 1, 2, 3, 4}
    assert (frame["high"] >= frame[["open", "close"]].max(axis=1)).all()

    daily = client.history(
        symbol="INFY", exchange="NSE", interval="D", start_date="2026-11-09", end_date="2026-11-15"
    )
    assert [d.date() for d in daily.index] == [date(2026, 11, 9) + timedelta(days=i) for i in range(5)]
    assert daily["close"].iloc[-1] == frame["close"].iloc[-1]
    assert daily["volume"].sum() == frame["volume"].sum()

    hourly = client.history(
        symbol="INFY", exchange="NSE", interval="1h", start_date="2026-11-09", end_date="2026-11-13"
    )
    assert len(hourly) == 5 * 7


def test_a_year_of_minutes_comes_back_whole(client: Any) -> None:
    frame = client.history(
        symbol="HDFCBANK", exchange="NSE", interval="1m", start_date="2025-11-03", end_date="2026-10-30"
    )
    weekdays = np.busday_count(np.datetime64("2025-11-03"), np.datetime64("2026-10-31"))
    assert len(frame) == weekdays * 375


def test_an_order_shows_up_in_every_book_and_in_the_funds(client: Any) -> None:
    before = _ok(client.funds())["data"]
    assert set(before) == {"availablecash", "collateral", "m2mrealized", "m2munrealized", "utiliseddebits"}
    placed = _ok(
        client.placeorder(
            strategy="SDK",
            symbol="ICICIBANK",
            action="BUY",
            exchange="NSE",
            price_type="MARKET",
            product="MIS",
            quantity=20,
        )
    )
    orderid = placed["orderid"]
    assert placed["mode"] == "analyze"

    status = _ok(client.orderstatus(order_id=orderid, strategy="SDK"))["data"]
    assert (status["order_status"], status["quantity"], status["action"]) == ("complete", "20", "BUY")
    fill = status["average_price"]

    book = _ok(client.orderbook())["data"]
    assert orderid in [o["orderid"] for o in book["orders"]]
    assert book["statistics"]["total_completed_orders"] >= 1

    positions = {p["symbol"]: p for p in _ok(client.positionbook())["data"]}
    assert positions["ICICIBANK"]["quantity"] == "20"
    assert float(positions["ICICIBANK"]["average_price"]) == fill
    assert (
        _ok(client.openposition(strategy="SDK", symbol="ICICIBANK", exchange="NSE", product="MIS"))[
            "quantity"
        ]
        == "20"
    )

    trades = _ok(client.tradebook())["data"]
    trade = next(t for t in trades if t["orderid"] == orderid)
    assert trade["average_price"] == fill and trade["trade_value"] == pytest.approx(20 * fill)

    after = _ok(client.funds())["data"]
    margin = 20 * fill * 0.2
    assert float(after["utiliseddebits"]) == pytest.approx(float(before["utiliseddebits"]) + margin, abs=0.01)
    assert float(after["availablecash"]) == pytest.approx(float(before["availablecash"]) - margin, abs=0.01)


def test_a_limit_order_fills_when_the_price_crosses(live: LiveHost, client: Any) -> None:
    ltp = client.quotes(symbol="WIPRO", exchange="NSE")["data"]["ltp"]
    limit = round(ltp * 0.9, 2)
    orderid = _ok(
        client.placeorder(
            symbol="WIPRO",
            action="BUY",
            exchange="NSE",
            price_type="LIMIT",
            product="MIS",
            quantity=5,
            price=limit,
        )
    )["orderid"]
    assert client.orderstatus(order_id=orderid)["data"]["order_status"] == "open"

    live.move_price("WIPRO", "NSE", limit - 1)  # the background matcher must fill it by itself
    status = wait_until(
        lambda: (s := client.orderstatus(order_id=orderid)["data"])["order_status"] == "complete" and s,
        20,
        what="the limit order to fill",
    )
    assert status["average_price"] <= limit
    live.move_price("WIPRO", "NSE", None)


def test_modify_cancel_and_cancel_all(client: Any) -> None:
    ltp = client.quotes(symbol="BEL", exchange="NSE")["data"]["ltp"]
    resting = [
        _ok(
            client.placeorder(
                symbol="BEL",
                action="BUY",
                exchange="NSE",
                price_type="LIMIT",
                product="MIS",
                quantity=10,
                price=round(ltp - 20 - i, 2),
            )
        )["orderid"]
        for i in range(3)
    ]
    modified = _ok(
        client.modifyorder(
            order_id=resting[0],
            symbol="BEL",
            action="BUY",
            exchange="NSE",
            price_type="LIMIT",
            product="MIS",
            quantity=15,
            price=round(ltp - 25, 2),
        )
    )
    assert modified["orderid"] == resting[0]
    assert client.orderstatus(order_id=resting[0])["data"]["quantity"] == "15"

    assert _ok(client.cancelorder(order_id=resting[1]))["orderid"] == resting[1]
    assert client.orderstatus(order_id=resting[1])["data"]["order_status"] == "cancelled"
    again = client.cancelorder(order_id=resting[1])
    assert "cancelled" in _error(again, 409)

    cancelled = _ok(client.cancelallorder(strategy="SDK"))
    assert set(cancelled["canceled_orders"]) >= {resting[0], resting[2]}
    assert cancelled["failed_cancellations"] == []


def test_smart_orders_walk_the_position_through_every_case(client: Any) -> None:
    steps = [
        ("BUY", 10, 10, "order"),  # flat -> long
        ("BUY", 10, 10, "matched"),
        ("SELL", 10, 0, "order"),  # long -> flat
        ("BUY", 5, 5, "order"),  # flat -> long
        ("SELL", 10, -5, "order"),  # long -> short
        ("BUY", 0, 0, "order"),  # short -> flat
    ]
    for action, quantity, target, outcome in steps:
        result = _ok(
            client.placesmartorder(
                strategy="SDK",
                symbol="KOTAKBANK",
                action=action,
                exchange="NSE",
                price_type="MARKET",
                product="MIS",
                quantity=quantity,
                position_size=target,
            )
        )
        if outcome == "matched":
            assert result["message"] == "Positions Already Matched. No Action needed."
            assert "orderid" not in result
        else:
            assert result["orderid"]
        position = client.openposition(symbol="KOTAKBANK", exchange="NSE", product="MIS")["quantity"]
        assert position == str(target), (action, quantity, target)
    orders = [o for o in _ok(client.orderbook())["data"]["orders"] if o["symbol"] == "KOTAKBANK"]
    assert [(o["action"], o["quantity"]) for o in reversed(orders)] == [
        ("BUY", "10"),
        ("SELL", "10"),
        ("BUY", "5"),
        ("SELL", "10"),
        ("BUY", "5"),
    ]


def test_holdings_and_close_position(client: Any) -> None:
    _ok(client.placeorder(symbol="ITC", action="BUY", exchange="NSE", product="CNC", quantity=7))
    holdings = _ok(client.holdings())["data"]
    itc = next(h for h in holdings["holdings"] if h["symbol"] == "ITC")
    assert (itc["quantity"], itc["product"]) == (7, "CNC")
    assert set(holdings["statistics"]) == {
        "totalholdingvalue",
        "totalinvvalue",
        "totalprofitandloss",
        "totalpnlpercentage",
    }
    assert _ok(client.closeposition(strategy="SDK"))["message"] == "All Open Positions Squared Off"
    assert all(p["quantity"] == "0" for p in _ok(client.positionbook())["data"])
    assert _ok(client.closeposition(strategy="SDK"))["message"] == "No open positions to close"


def test_an_invalid_key_is_403(live: LiveHost) -> None:
    client = live.client("not-a-real-key")
    for response in (
        client.quotes(symbol="SBIN", exchange="NSE"),
        client.funds(),
        client.placeorder(symbol="SBIN", action="BUY", exchange="NSE", quantity=1),
    ):
        assert "Invalid openalgo apikey" in _error(response, 403)
    missing = httpx.post(f"{live.url}/api/v1/funds", json={}).json()
    assert missing["status"] == "error" and missing["fields"] == {"apikey": "is required"}


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.placeorder(symbol="NOSUCH", action="BUY", exchange="NSE", quantity=1), "symbol"),
        (lambda c: c.placeorder(symbol="SBIN", action="HOLD", exchange="NSE", quantity=1), "action"),
        (lambda c: c.placeorder(symbol="SBIN", action="BUY", exchange="NSE", quantity=-3), "quantity"),
        (
            lambda c: c.placeorder(
                symbol="SBIN", action="BUY", exchange="NSE", quantity=1, price_type="LIMIT"
            ),
            "price",
        ),
        (
            lambda c: c.history(
                symbol="SBIN", exchange="NSE", interval="1m", start_date="2026-13-01", end_date="2026-11-20"
            ),
            "start_date",
        ),
        (
            lambda c: c.history(
                symbol="SBIN", exchange="NSE", interval="1m", start_date="2026-11-20", end_date="2026-11-01"
            ),
            "end_date",
        ),
        (
            lambda c: c.history(
                symbol="SBIN", exchange="NSE", interval="2m", start_date="2026-11-01", end_date="2026-11-20"
            ),
            "interval",
        ),
        (lambda c: c.quotes(symbol="SBIN", exchange="LSE"), "exchange"),
        (lambda c: c.placeorder(symbol="NIFTY", action="BUY", exchange="NSE_INDEX", quantity=1), "symbol"),
    ],
)
def test_invalid_input_is_400_naming_the_field(client: Any, call: Any, field: str) -> None:
    message = _error(call(client), 400)
    assert f'"{field}"' in message  # the SDK passes the JSON body through: {"fields": {field: ...}}


def test_post_only_and_json_only(live: LiveHost) -> None:
    wrong_method = httpx.get(f"{live.url}/api/v1/funds")
    assert wrong_method.status_code == 405 and wrong_method.json()["status"] == "error"
    unknown = httpx.post(f"{live.url}/api/v1/teleport", json={"apikey": live.api_key})
    assert unknown.status_code == 404 and unknown.json()["status"] == "error"
    not_json = httpx.post(f"{live.url}/api/v1/funds", content=b"apikey=x")
    assert (
        not_json.status_code == 400
        and not_json.json()["message"] == "The request body must be a JSON object."
    )


def test_instruments_and_symbols(client: Any) -> None:
    frame = client.instruments(exchange="NFO")
    assert isinstance(frame, pd.DataFrame)
    assert set(frame["lotsize"]) == {65, 30}
    assert _ok(client.symbol(symbol="RELIANCE", exchange="NSE"))["data"]["tick_size"] > 0
    assert any(item["symbol"] == "TATASTEEL" for item in _ok(client.search(query="tatast"))["data"])


def test_every_order_is_recorded_in_the_database_file(live: LiveHost, tmp_path: Path) -> None:
    assert (live.server.data_dir / "db" / "openalgo.db").exists()
