"""The upstream broker's client side against a fake OpenAlgo server: payloads, parsing, error mapping."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest

from services.broker.types import HistoryRequest, OrderRequest, SmartOrderRequest
from services.broker.upstream import UpstreamBroker
from services.errors import InvalidInput, NotFound, RateLimited, Unavailable
from tests.support.strategies import FakeClock

Handler = Callable[[httpx.Request], httpx.Response]


def _broker(handler: Handler) -> tuple[UpstreamBroker, list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []

    def record(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else dict(request.url.params)
        seen.append({"path": request.url.path, **body})
        return handler(request)

    client = httpx.Client(transport=httpx.MockTransport(record))
    return UpstreamBroker("http://upstream.test:5000/", "UP-KEY", FakeClock(), client), seen


def _ok(**payload: Any) -> httpx.Response:
    return httpx.Response(200, json={"status": "success", **payload})


def test_calls_carry_the_upstream_key_and_openalgo_fields() -> None:
    broker, seen = _broker(lambda _r: _ok(orderid="123"))
    order = OrderRequest("SBIN", "NSE", "BUY", 5, "LIMIT", "CNC", 700.5, strategy="mine")
    assert broker.place_order(1, order) == "123"
    assert seen[0] == {
        "path": "/api/v1/placeorder",
        "apikey": "UP-KEY",
        "strategy": "mine",
        "symbol": "SBIN",
        "exchange": "NSE",
        "action": "BUY",
        "quantity": "5",
        "pricetype": "LIMIT",
        "product": "CNC",
        "price": "700.5",
        "trigger_price": "0.0",
        "disclosed_quantity": "0",
    }


def test_answers_are_read_in_openalgo_shapes() -> None:
    answers = {
        "/api/v1/quotes": _ok(
            data={
                "open": 1,
                "high": 2,
                "low": 0.5,
                "ltp": 1.5,
                "ask": 1.6,
                "bid": 1.4,
                "prev_close": 1.1,
                "volume": 10,
            }
        ),
        "/api/v1/history": _ok(
            data=[{"timestamp": 60, "open": 1, "high": 2, "low": 1, "close": 2, "volume": 3}]
        ),
        "/api/v1/positionbook": _ok(
            data=[
                {
                    "symbol": "A",
                    "exchange": "NSE",
                    "product": "MIS",
                    "quantity": "-2",
                    "average_price": "10.50",
                    "ltp": "10",
                    "pnl": "1.00",
                }
            ]
        ),
        "/api/v1/funds": _ok(
            data={
                "availablecash": "100.50",
                "collateral": "0.00",
                "m2mrealized": "1.00",
                "m2munrealized": "-2.00",
                "utiliseddebits": "3.00",
            }
        ),
        "/api/v1/placesmartorder": _ok(message="Positions Already Matched. No Action needed."),
        "/api/v1/orderbook": _ok(
            data={
                "orders": [
                    {
                        "orderid": "9",
                        "symbol": "A",
                        "exchange": "NSE",
                        "action": "SELL",
                        "quantity": "3",
                        "price": 0,
                        "pricetype": "MARKET",
                        "product": "MIS",
                        "order_status": "complete",
                        "trigger_price": 0,
                        "timestamp": "23-Nov-2026 10:15:00",
                    }
                ]
            }
        ),
    }
    broker, _seen = _broker(lambda r: answers[r.url.path])
    assert broker.quote("A", "NSE").ltp == 1.5
    candles = broker.history(HistoryRequest("A", "NSE", "1m", date(2026, 1, 1), date(2026, 1, 2)))
    assert list(candles.close) == [2.0] and list(candles.oi) == [0]
    [position] = broker.position_book(1)
    assert (position.quantity, position.average_price, position.pnl) == (-2, 10.5, 1.0)
    assert broker.funds(1).availablecash == 100.5
    smart = broker.place_smart_order(1, SmartOrderRequest(OrderRequest("A", "NSE", "BUY", 1), 1))
    assert smart.orderid is None and "Already Matched" in smart.message
    [order] = broker.order_book(1)
    assert (order.orderid, order.quantity, order.timestamp.hour, order.timestamp.minute) == ("9", 3, 10, 15)


@pytest.mark.parametrize(
    ("response", "error", "message"),
    [
        (
            httpx.Response(400, json={"status": "error", "message": "Invalid symbol"}),
            InvalidInput,
            "Invalid symbol",
        ),
        (httpx.Response(404, json={"status": "error", "message": "No order"}), NotFound, "No order"),
        (httpx.Response(429, json={"status": "error", "message": "Slow down"}), RateLimited, "Slow down"),
        (
            httpx.Response(403, json={"status": "error", "message": "Invalid openalgo apikey"}),
            Unavailable,
            "refused UPSTREAM_API_KEY",
        ),
        (
            httpx.Response(500, json={"status": "error", "message": "boom"}),
            Unavailable,
            "upstream OpenAlgo server failed",
        ),
        (httpx.Response(502, text="<html>bad gateway</html>"), Unavailable, "unreadable answer"),
        (
            httpx.Response(200, json={"status": "error", "message": "Broker session expired"}),
            Unavailable,
            "expired",
        ),
    ],
)
def test_upstream_errors_become_host_errors(response: httpx.Response, error: type, message: str) -> None:
    broker, _seen = _broker(lambda _r: response)
    with pytest.raises(error, match=message):
        broker.quote("A", "NSE")


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (
            httpx.ConnectError("connection refused"),
            "Cannot reach the upstream OpenAlgo server at http://upstream.test:5000",
        ),
        (httpx.ReadTimeout("slow"), "did not answer in time"),
    ],
)
def test_an_unreachable_upstream_is_unavailable(failure: Exception, message: str) -> None:
    def fail(_request: httpx.Request) -> httpx.Response:
        raise failure

    broker, _seen = _broker(fail)
    with pytest.raises(Unavailable, match=message):
        broker.funds(1)


def test_the_master_contract_comes_from_the_upstream_instrument_lists() -> None:
    def instruments(request: httpx.Request) -> httpx.Response:
        exchange = request.url.params["exchange"]
        if exchange != "NFO":
            return httpx.Response(400, json={"status": "error", "message": "unknown exchange"})
        return _ok(
            data=[
                {
                    "symbol": "NIFTY24NOV26FUT",
                    "exchange": "NFO",
                    "name": "NIFTY",
                    "token": "1",
                    "lotsize": 65,
                    "tick_size": 0.1,
                    "instrumenttype": "FUT",
                    "expiry": "24-NOV-26",
                }
            ]
        )

    broker, seen = _broker(instruments)
    [future] = broker.download_instruments(date(2026, 11, 21))
    assert (future.symbol, future.lotsize, future.expiry) == ("NIFTY24NOV26FUT", 65, date(2026, 11, 24))
    assert all(call["apikey"] == "UP-KEY" for call in seen)
