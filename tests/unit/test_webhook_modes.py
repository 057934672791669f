"""The trading-mode table: every mode × alert form → the order it becomes (or the refusal)."""

from __future__ import annotations

import pytest

from services.errors import InvalidInput
from services.webhooks.alerts import Alert
from services.webhooks.modes import PlannedOrder, plan_orders

QTY = 5  # the mapping's quantity


def plan(mode: str, action: str, size: int | None = None) -> PlannedOrder:
    return plan_orders(mode, Alert("SBIN", action, size), QTY)


@pytest.mark.parametrize(
    ("mode", "action", "size", "expected"),
    [
        # LONG: BUY opens with |position_size| or the mapping quantity; SELL goes flat (quantity 0)
        ("LONG", "BUY", None, PlannedOrder("BUY", 5)),
        ("LONG", "BUY", 12, PlannedOrder("BUY", 12)),
        ("LONG", "BUY", -12, PlannedOrder("BUY", 12)),
        ("LONG", "SELL", None, PlannedOrder("SELL", 0, position_size=0, is_entry=False)),
        ("LONG", "SELL", 8, PlannedOrder("SELL", 0, position_size=0, is_entry=False)),
        # SHORT: the mirror
        ("SHORT", "SELL", None, PlannedOrder("SELL", 5)),
        ("SHORT", "SELL", -3, PlannedOrder("SELL", 3)),
        ("SHORT", "BUY", None, PlannedOrder("BUY", 0, position_size=0, is_entry=False)),
        # BOTH: a smart order to the signed size; 0 is an exit
        ("BOTH", "BUY", 10, PlannedOrder("BUY", 10, position_size=10)),
        ("BOTH", "SELL", -10, PlannedOrder("SELL", 10, position_size=-10)),
        ("BOTH", "BUY", 0, PlannedOrder("BUY", 0, position_size=0, is_entry=False)),
        ("BOTH", "SELL", 0, PlannedOrder("SELL", 0, position_size=0, is_entry=False)),
    ],
)
def test_order_alerts(mode: str, action: str, size: int | None, expected: PlannedOrder) -> None:
    assert plan(mode, action, size) == expected


@pytest.mark.parametrize("mode", ["LONG", "SHORT", "BOTH"])
@pytest.mark.parametrize(
    ("signal", "expected"),
    [
        ("long_entry", PlannedOrder("BUY", 5, position_size=5)),
        ("short_entry", PlannedOrder("SELL", 5, position_size=-5)),
        ("long_exit", PlannedOrder("SELL", 0, position_size=0, only_if="long", is_entry=False)),
        ("short_exit", PlannedOrder("BUY", 0, position_size=0, only_if="short", is_entry=False)),
    ],
)
def test_signals_in_every_mode_that_allows_them(mode: str, signal: str, expected: PlannedOrder) -> None:
    if (mode, signal) in {("LONG", "short_entry"), ("SHORT", "long_entry")}:
        with pytest.raises(InvalidInput) as raised:
            plan(mode, signal)
        assert mode in raised.value.message and "action" in raised.value.fields
    else:
        assert plan(mode, signal) == expected


def test_both_needs_a_position_size_with_the_right_sign() -> None:
    with pytest.raises(InvalidInput) as missing:
        plan("BOTH", "BUY")
    assert "position_size" in missing.value.fields
    with pytest.raises(InvalidInput, match="≥ 0"):
        plan("BOTH", "BUY", -1)
    with pytest.raises(InvalidInput, match="≤ 0"):
        plan("BOTH", "SELL", 1)
