"""Signals → orders: the seed's symbol string, dicts and Signal-like dicts, all validated first."""

from __future__ import annotations

from datetime import date

import pytest

from services.errors import InvalidInput
from services.execution.signals import plan_signals
from services.market.instruments import DEFAULT_INSTRUMENT_FILE, InstrumentIndex, load_instrument_file
from services.webhooks.strategies import Mapping

MAPPINGS = [Mapping(1, "SBIN", "NSE", 10, "MIS"), Mapping(2, "NIFTY29DEC26FUT", "NFO", 65, "NRML")]
INDEX = InstrumentIndex(load_instrument_file(DEFAULT_INSTRUMENT_FILE, date(2026, 11, 30)))


def plan(raw: list[object]) -> tuple[list[tuple[str, str, str, int, str, int | None]], list[tuple[int, str]]]:
    result = plan_signals(raw, MAPPINGS, "Custom", lambda: INDEX)
    orders = [
        (i.order.symbol, i.order.exchange, i.order.action, i.order.quantity, i.order.product, i.position_size)
        for i in result.intents
    ]
    assert all(i.order.strategy == "Custom" for i in result.intents)
    return orders, result.skipped


def test_a_symbol_string_buys_the_mapping() -> None:
    assert plan(["sbin"]) == ([("SBIN", "NSE", "BUY", 10, "MIS", None)], [])


def test_an_unmapped_symbol_string_is_skipped_with_the_reason() -> None:
    orders, skipped = plan(["INFY", "SBIN"])
    assert orders == [("SBIN", "NSE", "BUY", 10, "MIS", None)]
    assert skipped[0][0] == 0 and "not mapped" in skipped[0][1]


def test_dicts_fill_what_they_leave_out_from_the_mapping() -> None:
    orders, _ = plan([{"symbol": "SBIN", "action": "SELL", "quantity": 3}, {"symbol": "INFY", "quantity": 2}])
    assert orders == [("SBIN", "NSE", "SELL", 3, "MIS", None), ("INFY", "NSE", "BUY", 2, "MIS", None)]


def test_position_size_is_a_smart_order_and_flat_carries_quantity_zero() -> None:
    orders, _ = plan([{"symbol": "SBIN", "position_size": -10}, {"symbol": "SBIN", "position_size": 0}])
    assert orders == [("SBIN", "NSE", "BUY", 10, "MIS", -10), ("SBIN", "NSE", "BUY", 0, "MIS", 0)]


@pytest.mark.parametrize(
    ("signal", "words"),
    [
        ({"symbol": "SBIN", "action": "HOLD"}, "action"),
        ({"symbol": "SBIN", "side": "BUY"}, "side"),
        ({"symbol": "INFY"}, "quantity is required"),
        ({"symbol": "NOSUCH", "quantity": 1}, "master contract"),
        ({"symbol": "NIFTY29DEC26FUT", "exchange": "NFO", "quantity": 10}, "lot size"),
        ({"symbol": "SBIN", "pricetype": "LIMIT"}, "price"),
        (42, "symbol string or a dict"),
    ],
)
def test_one_invalid_signal_places_nothing_and_is_named(signal: object, words: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        plan(["SBIN", signal])
    [problem] = raised.value.details["signals"]
    assert problem["index"] == 1 and words in problem["error"]
    assert "No order was placed" in raised.value.message


def test_too_many_signals_are_refused() -> None:
    with pytest.raises(InvalidInput, match="at most 100"):
        plan(["SBIN"] * 101)
