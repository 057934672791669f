"""Position arithmetic: average price, realised P&L and blocked margin after a fill.

Pure functions on numbers, so every case (open, add, reduce, close, flip) is unit-tested without
a database.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PositionState:
    quantity: int = 0
    average_price: float = 0.0
    realised_pnl: float = 0.0
    margin: float = 0.0


def exposure_increase(position: int, signed_quantity: int) -> int:
    """How much of an order opens or extends exposure (the part that needs fresh margin)."""
    if position == 0 or (position > 0) == (signed_quantity > 0):
        return abs(signed_quantity)
    return max(0, abs(signed_quantity) - abs(position))


def apply_fill(state: PositionState, signed_quantity: int, price: float, margin_rate: float) -> PositionState:
    """The position after filling ``signed_quantity`` (BUY > 0, SELL < 0) at ``price``."""
    quantity, average, realised, margin = (
        state.quantity,
        state.average_price,
        state.realised_pnl,
        state.margin,
    )
    if quantity == 0 or (quantity > 0) == (signed_quantity > 0):
        new_quantity = quantity + signed_quantity
        average = (abs(quantity) * average + abs(signed_quantity) * price) / abs(new_quantity)
        return PositionState(
            new_quantity, average, realised, margin + abs(signed_quantity) * price * margin_rate
        )
    closing = min(abs(signed_quantity), abs(quantity))
    direction = 1 if quantity > 0 else -1
    realised += closing * (price - average) * direction
    released = margin * closing / abs(quantity)
    margin -= released
    new_quantity = quantity + signed_quantity
    opening = abs(signed_quantity) - closing
    if opening:  # the fill went through zero: the rest opens a position the other way
        return PositionState(new_quantity, price, realised, margin + opening * price * margin_rate)
    if new_quantity == 0:
        return PositionState(0, 0.0, realised, 0.0)
    return PositionState(new_quantity, average, realised, margin)


def unrealised_pnl(quantity: int, average_price: float, ltp: float) -> float:
    return (ltp - average_price) * quantity
