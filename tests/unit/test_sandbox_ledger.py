"""Position arithmetic and the smart-order decision table, case by case."""

from __future__ import annotations

import pytest

from services.broker.sandbox.ledger import PositionState, apply_fill, exposure_increase
from services.broker.sandbox.smart import MATCHED, NOTHING_TO_EXIT, plan_smart_order


def test_opening_and_adding_average_the_price_and_block_margin() -> None:
    state = apply_fill(PositionState(), 10, 100.0, 0.2)
    assert state == PositionState(10, 100.0, 0.0, 200.0)
    state = apply_fill(state, 10, 110.0, 0.2)
    assert state.quantity == 20 and state.average_price == pytest.approx(105.0)
    assert state.margin == pytest.approx(420.0)


def test_reducing_realises_pnl_and_releases_margin_proportionally() -> None:
    state = apply_fill(PositionState(20, 105.0, 0.0, 420.0), -5, 115.0, 0.2)
    assert state.quantity == 15 and state.average_price == 105.0
    assert state.realised_pnl == pytest.approx(50.0)
    assert state.margin == pytest.approx(315.0)


def test_closing_flat_clears_average_and_margin() -> None:
    state = apply_fill(PositionState(-10, 200.0, 7.0, 400.0), 10, 190.0, 0.2)
    assert state == PositionState(0, 0.0, pytest.approx(107.0), 0.0)  # type: ignore[arg-type]


def test_a_fill_through_zero_closes_then_opens_the_other_way() -> None:
    state = apply_fill(PositionState(10, 100.0, 0.0, 200.0), -15, 90.0, 0.2)
    assert state.quantity == -5
    assert state.average_price == 90.0
    assert state.realised_pnl == pytest.approx(-100.0)
    assert state.margin == pytest.approx(5 * 90.0 * 0.2)


@pytest.mark.parametrize(
    ("position", "order", "expected"),
    [(0, 10, 10), (5, 10, 10), (-5, -10, 10), (10, -4, 0), (10, -15, 5), (-3, 3, 0)],
)
def test_exposure_increase(position: int, order: int, expected: int) -> None:
    assert exposure_increase(position, order) == expected


# OpenAlgo's placesmartorder table: (action, quantity, position_size, current) -> order sent.
@pytest.mark.parametrize(
    ("action", "quantity", "target", "current", "expected"),
    [
        ("BUY", 100, 0, 0, ("BUY", 100)),
        ("BUY", 100, 100, -100, ("BUY", 200)),
        ("BUY", 100, 100, 100, None),
        ("BUY", 100, 200, 100, ("BUY", 100)),
        ("SELL", 100, 0, 0, ("SELL", 100)),
        ("SELL", 100, -100, 100, ("SELL", 200)),
        ("SELL", 100, -100, -100, None),
        ("SELL", 100, -200, -100, ("SELL", 100)),
        ("SELL", 0, 0, 50, ("SELL", 50)),
        ("BUY", 0, 0, -50, ("BUY", 50)),
    ],
)
def test_smart_order_table(
    action: str, quantity: int, target: int, current: int, expected: tuple[str, int] | None
) -> None:
    plan = plan_smart_order(current, target, action, quantity)
    if expected is None:
        assert plan.action is None and plan.message == MATCHED
    else:
        assert (plan.action, plan.quantity) == expected


def test_an_exit_signal_without_a_position_does_nothing() -> None:
    plan = plan_smart_order(0, 0, "SELL", 0)
    assert plan.action is None and plan.message == NOTHING_TO_EXIT
