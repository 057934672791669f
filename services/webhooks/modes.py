"""Trading modes: what order an alert becomes (a pure table, no broker, no clock).

OpenAlgo's rules. LONG: BUY opens (a plain order of ``|position_size|`` or the mapping's quantity),
SELL closes (a smart order to flat). SHORT: the mirror. BOTH: a smart order to the signed
``position_size`` (required; BUY needs ≥ 0, SELL ≤ 0). The signal form works in every mode with
the mapping's quantity: ``long_entry`` targets +quantity (reversing a short in one order),
``long_exit`` goes flat only if long; the short signals mirror them; LONG refuses ``short_entry``
and SHORT refuses ``long_entry``.

A smart order to flat carries quantity 0: in OpenAlgo a smart order with target 0, no position and
a non-zero quantity is a fresh trade, so an exit alert with nothing to exit must not open one.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.errors import InvalidInput
from services.webhooks.alerts import Alert

MODES = ("LONG", "SHORT", "BOTH")
LONG_SIDE, SHORT_SIDE = "long", "short"


@dataclass(frozen=True)
class PlannedOrder:
    """One order an alert asks for, before it has a symbol's exchange and product."""

    action: str
    quantity: int
    #: None: a plain order of ``quantity`` · an int: a smart order to this position
    position_size: int | None = None
    #: a smart exit only when the position is on this side (``long`` / ``short``)
    only_if: str | None = None
    #: entries are gated by ``end_time``, exits by ``squareoff_time``
    is_entry: bool = True


def plan_orders(mode: str, alert: Alert, mapped_quantity: int) -> PlannedOrder:
    """The order ``alert`` becomes in ``mode``; InvalidInput when the mode refuses it."""
    if alert.is_signal:
        return _signal(mode, alert.action, mapped_quantity)
    if mode == "BOTH":
        return _both(alert)
    entry, exit_ = ("BUY", "SELL") if mode == "LONG" else ("SELL", "BUY")
    if alert.action == entry:
        size = abs(alert.position_size) if alert.position_size else mapped_quantity
        return PlannedOrder(entry, size)
    return PlannedOrder(exit_, 0, position_size=0, is_entry=False)


def _both(alert: Alert) -> PlannedOrder:
    size = alert.position_size
    if size is None:
        raise InvalidInput(
            "position_size is required in BOTH mode: the signed position to reach (10, -10 or 0).",
            fields={"position_size": "is required in BOTH mode"},
        )
    if (alert.action == "BUY" and size < 0) or (alert.action == "SELL" and size > 0):
        sign = "≥ 0" if alert.action == "BUY" else "≤ 0"
        raise InvalidInput(
            f"position_size must be {sign} for a {alert.action} alert in BOTH mode (got {size}).",
            fields={"position_size": f"must be {sign} for {alert.action}"},
        )
    return PlannedOrder(alert.action, abs(size), position_size=size, is_entry=size != 0)


def _signal(mode: str, signal: str, quantity: int) -> PlannedOrder:
    forbidden = {"LONG": "short_entry", "SHORT": "long_entry"}.get(mode)
    if signal == forbidden:
        raise InvalidInput(
            f"{signal} is refused: this strategy trades in {mode} mode.",
            fields={"action": f"not allowed in {mode} mode"},
        )
    if signal == "long_entry":
        return PlannedOrder("BUY", quantity, position_size=quantity)
    if signal == "short_entry":
        return PlannedOrder("SELL", quantity, position_size=-quantity)
    if signal == "long_exit":
        return PlannedOrder("SELL", 0, position_size=0, only_if=LONG_SIDE, is_entry=False)
    return PlannedOrder("BUY", 0, position_size=0, only_if=SHORT_SIDE, is_entry=False)
