"""placesmartorder's decision: what order takes the position to the target size.

OpenAlgo's semantics, case by case: with no position and a target of 0, ``quantity`` is a fresh
trade in ``action``'s direction; a target equal to the position does nothing ("Positions Already
Matched"); otherwise the order is the difference, bought or sold. A LIMIT order may still be
working (open, unfilled) when the same signal comes again: the difference is planned against the
position plus the open quantity on that side, so a repeated smart order with the same target
places nothing more instead of stacking a second order (20 filled for a target of 10). Stop orders
waiting for their trigger are not counted: they are protection, not a move towards the target.
"""

from __future__ import annotations

from dataclasses import dataclass

MATCHED = "Positions Already Matched. No Action needed."
NOTHING_TO_EXIT = "No OpenPosition Found. Not placing Exit order."
ALREADY_WORKING = "Open orders already take the position to the target. No Action needed."


@dataclass(frozen=True)
class SmartPlan:
    """The order to send, or ``message`` when there is nothing to do (action None)."""

    action: str | None
    quantity: int = 0
    message: str = ""


@dataclass(frozen=True)
class Working:
    """Quantities of the open (working, unfilled) orders of one symbol and product, per side."""

    buy: int = 0
    sell: int = 0


def plan_smart_order(
    current: int, target: int, action: str, quantity: int, working: Working | None = None
) -> SmartPlan:
    if target == 0 and current == 0 and quantity != 0:
        return SmartPlan(action, quantity)
    if target == current:
        return SmartPlan(None, message=NOTHING_TO_EXIT if quantity == 0 else MATCHED)
    delta = target - current
    working = working or Working()
    needed = abs(delta) - (working.buy if delta > 0 else working.sell)
    if needed <= 0:
        return SmartPlan(None, message=ALREADY_WORKING)
    return SmartPlan("BUY" if delta > 0 else "SELL", needed)
