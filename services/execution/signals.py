"""What ``execute()`` returned → orders for the dispatcher, validated all at once.

Forms (the seed's and ours): a plain symbol string is the seed's "BUY this", at MARKET with the
strategy's mapping for that symbol (an unmapped symbol is skipped, the reason recorded); a dict
(what ``Signal.as_dict()`` gives) names ``symbol, exchange, action, quantity, product, pricetype,
price, trigger_price`` or ``position_size`` (a smart order to that target), the mapping filling
what it leaves out. Every signal passes the validation of ``/api/v1/placeorder`` and the broker's
tradability rules (lots, products, indices) before any order is placed: one bad signal and none
is sent, each problem reported with the signal's index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.broker.sandbox.rules import check_tradable
from services.broker.types import OrderRequest
from services.broker.validation import parse_order, parse_smart_order
from services.errors import HostError, InvalidInput
from services.market.instruments import InstrumentIndex
from services.orders.dispatch import Intent
from services.webhooks.strategies import Mapping

FIELDS = frozenset(
    {
        "symbol",
        "exchange",
        "action",
        "quantity",
        "product",
        "pricetype",
        "price",
        "trigger_price",
        "position_size",
    }
)
MAX_SIGNALS = 100


@dataclass(frozen=True)
class SignalPlan:
    intents: list[Intent] = field(default_factory=list)
    #: (signal index, why it was not traded) for signals skipped on purpose (an unmapped symbol)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def plan_signals(
    raw: Sequence[Any],
    mappings: Sequence[Mapping],
    strategy_name: str,
    index: Callable[[], InstrumentIndex] | None = None,
) -> SignalPlan:
    """The orders ``raw`` asks for; InvalidInput (``details.signals``: index → reason) when any
    signal is invalid."""
    if len(raw) > MAX_SIGNALS:
        raise InvalidInput(
            f"execute() returned {len(raw)} signals; at most {MAX_SIGNALS} are traded per run."
        )
    plan = SignalPlan()
    problems: list[dict[str, Any]] = []
    instruments = index() if index is not None else None
    for number, signal in enumerate(raw):
        try:
            intent = _intent(signal, mappings, strategy_name, instruments)
        except _Skip as skip:
            plan.skipped.append((number, str(skip)))
            continue
        except HostError as error:
            problems.append({"index": number, "signal": _shown(signal), "error": error.message})
            continue
        plan.intents.append(intent)
    if problems:
        first = problems[0]
        raise InvalidInput(
            f"Signal {first['index']} is invalid: {first['error']} No order was placed.",
            details={"signals": problems},
        )
    return plan


class _Skip(Exception):
    """A signal not traded on purpose (its reason is recorded with the run)."""


def _intent(
    signal: Any, mappings: Sequence[Mapping], strategy: str, instruments: InstrumentIndex | None
) -> Intent:
    if isinstance(signal, str):
        symbol = signal.strip().upper()
        mapping = _mapping(symbol, None, mappings)
        if mapping is None:
            raise _Skip(f"{symbol or signal!r} is not mapped in this strategy: add it to trade it")
        payload: dict[str, Any] = {"symbol": symbol, "action": "BUY"}
    elif isinstance(signal, dict):
        unknown = sorted(set(signal) - FIELDS)
        if unknown:
            raise InvalidInput(
                f"{unknown[0]} is not a field of a signal (fields: {', '.join(sorted(FIELDS))})."
            )
        symbol = str(signal.get("symbol") or "").strip().upper()
        mapping = _mapping(symbol, signal.get("exchange"), mappings)
        payload = {k: v for k, v in signal.items() if v is not None}
        payload["symbol"] = symbol
    else:
        raise InvalidInput("a signal is a symbol string or a dict of order fields (or a Signal).")
    if "position_size" in payload:
        # A smart order's size comes from its target; to flat it carries 0 (in OpenAlgo a smart
        # order to 0 with a quantity and no position would open a fresh trade).
        payload["quantity"] = abs(_int(payload["position_size"]))
    if mapping is not None:
        payload.setdefault("exchange", mapping.exchange)
        payload.setdefault("quantity", mapping.quantity)
        payload.setdefault("product", mapping.product)
    payload.setdefault("exchange", "NSE")
    payload.setdefault("action", "BUY")
    payload["strategy"] = strategy
    if "position_size" in payload:
        request = parse_smart_order(payload)
        order, size = request.order, request.position_size
    else:
        if "quantity" not in payload:
            raise InvalidInput(f"quantity is required: {symbol} is not mapped in this strategy.")
        order, size = parse_order(payload), None
    _check_instrument(order, instruments)
    return Intent(order, size)


def _check_instrument(order: OrderRequest, instruments: InstrumentIndex | None) -> None:
    """The broker's own rules (known symbol, whole lots, the segment's products), checked now so
    that an invalid signal stops the whole run before any order is sent."""
    if instruments is None or not len(instruments):
        return
    instrument = instruments.get(order.exchange, order.symbol)
    if instrument is None:
        raise InvalidInput(f"{order.symbol} is not in the master contract on {order.exchange}.")
    if order.quantity:
        check_tradable(instrument, order)


def _mapping(symbol: str, exchange: object, mappings: Sequence[Mapping]) -> Mapping | None:
    found = [m for m in mappings if m.symbol == symbol]
    if isinstance(exchange, str) and exchange.strip():
        found = [m for m in found if m.exchange == exchange.strip().upper()]
    return found[0] if len(found) == 1 else None


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _shown(signal: Any) -> Any:
    return signal if isinstance(signal, (str, dict)) else repr(signal)[:200]
