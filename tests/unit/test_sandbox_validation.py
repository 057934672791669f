"""Request bodies of /api/v1: every problem is named per field, nothing half-parsed gets through."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.broker import validation
from services.errors import ConfigurationError, InvalidInput, RateLimited
from services.orders.throttle import OrderThrottle
from services.settings import Settings

ORDER = {"symbol": "reliance", "exchange": "NSE", "action": "buy", "quantity": "10"}


def _fields(parse: Any, payload: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        parse(payload)
    assert caught.value.message.startswith("Invalid input:")
    return caught.value.fields


def test_an_sdk_order_body_is_read_with_openalgo_defaults() -> None:
    order = validation.parse_order({**ORDER, "strategy": "Python"})
    assert (order.symbol, order.action, order.quantity) == ("RELIANCE", "BUY", 10)
    assert (order.pricetype, order.product, order.price, order.strategy) == ("MARKET", "MIS", 0.0, "Python")
    assert validation.parse_order({**ORDER, "quantity": 5, "price": 12.5, "pricetype": "LIMIT"}).price == 12.5


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"action": "HOLD"}, "action"),
        ({"quantity": "-1"}, "quantity"),
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "1.5"}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"quantity": "lots"}, "quantity"),
        ({"exchange": "NYSE"}, "exchange"),
        ({"symbol": ""}, "symbol"),
        ({"product": "DELIVERY"}, "product"),
        ({"pricetype": "LIMIT"}, "price"),
        ({"pricetype": "SL", "price": "100"}, "trigger_price"),
        ({"pricetype": "SL-M"}, "trigger_price"),
        ({"pricetype": "SL", "price": "90", "trigger_price": "100"}, "price"),
        ({"price": "-3"}, "price"),
        ({"disclosed_quantity": "50"}, "disclosed_quantity"),
    ],
)
def test_bad_orders_name_the_field(change: dict[str, Any], field: str) -> None:
    assert field in _fields(validation.parse_order, {**ORDER, **change})


HUGE = 10**400  # what a JSON body with a 400-digit number decodes to


@pytest.mark.parametrize(
    ("parse", "change", "field"),
    [
        (validation.parse_order, {"quantity": HUGE}, "quantity"),
        (validation.parse_order, {"quantity": -HUGE}, "quantity"),
        (validation.parse_order, {"quantity": "1" + "0" * 400}, "quantity"),
        (validation.parse_order, {"quantity": 1e308}, "quantity"),
        (validation.parse_order, {"pricetype": "LIMIT", "price": HUGE}, "price"),
        (validation.parse_order, {"pricetype": "SL-M", "trigger_price": HUGE}, "trigger_price"),
        (validation.parse_order, {"disclosed_quantity": HUGE}, "disclosed_quantity"),
        (validation.parse_smart_order, {"position_size": HUGE}, "position_size"),
        (validation.parse_smart_order, {"quantity": HUGE}, "quantity"),
        (validation.parse_modify, {"orderid": "1", "price": HUGE}, "price"),
    ],
)
def test_numbers_too_large_for_any_order_name_the_field(
    parse: Any, change: dict[str, Any], field: str
) -> None:
    # They used to escape as OverflowError (a 500) instead of a 400 naming the field.
    assert field in _fields(parse, {**ORDER, **change})


def test_a_price_above_the_ceiling_says_so() -> None:
    fields = _fields(validation.parse_order, {**ORDER, "pricetype": "LIMIT", "price": 2e9})
    assert fields["price"] == "must be at most 1,000,000,000"


def test_all_problems_are_reported_at_once() -> None:
    fields = _fields(validation.parse_order, {"exchange": "NSE", "action": "x", "quantity": "-2"})
    assert set(fields) == {"symbol", "action", "quantity"}


def test_smart_orders_allow_quantity_zero_and_need_a_position_size() -> None:
    request = validation.parse_smart_order({**ORDER, "quantity": "0", "position_size": "-5"})
    assert (request.order.quantity, request.position_size) == (0, -5)
    assert "position_size" in _fields(validation.parse_smart_order, ORDER)


def test_history_requests() -> None:
    payload = {
        "symbol": "SBIN",
        "exchange": "NSE",
        "interval": "5m",
        "start_date": "2026-01-01",
        "end_date": "2026-01-31",
    }
    request = validation.parse_history(payload)
    assert (request.interval, request.start, request.end) == ("5m", date(2026, 1, 1), date(2026, 1, 31))
    assert "interval" in _fields(validation.parse_history, {**payload, "interval": "7m"})
    assert "start_date" in _fields(validation.parse_history, {**payload, "start_date": "01-01-2026"})
    assert "end_date" in _fields(validation.parse_history, {**payload, "end_date": "2025-12-31"})
    assert "end_date" in _fields(validation.parse_history, {**payload, "end_date": None})


def test_multiquote_lists() -> None:
    assert validation.parse_symbols({"symbols": [{"symbol": "tcs", "exchange": "nse"}]}) == [("TCS", "NSE")]
    assert "symbols" in _fields(validation.parse_symbols, {"symbols": []})
    assert "symbols[0]" in _fields(validation.parse_symbols, {"symbols": ["TCS"]})
    assert "symbols" in _fields(
        validation.parse_symbols, {"symbols": [{"symbol": "A", "exchange": "NSE"}] * 101}
    )


def test_the_order_rate_limit_counts_per_api_key() -> None:
    throttle = OrderThrottle("3 per minute", "memory://")
    for _ in range(3):
        throttle.hit("key-one")
    with pytest.raises(RateLimited, match="3 per minute"):
        throttle.hit("key-one")
    throttle.hit("key-two")  # another key has its own budget


def test_rate_limit_settings_are_checked(tmp_path: Path) -> None:
    def order_rate_limit(raw: str) -> str:
        environ = {"ORDER_RATE_LIMIT": raw}
        return Settings.from_env(environ=environ, dotenv_path=tmp_path / "none.env").order_rate_limit

    assert order_rate_limit(" 10 per second ") == "10 per second"
    assert order_rate_limit("10/second;300/minute") == "10/second;300/minute"
    with pytest.raises(ConfigurationError, match="ORDER_RATE_LIMIT='fast': expected a rate such as"):
        order_rate_limit("fast")
