"""The sandbox's trading rules: what may be traded, how much margin it blocks, when and where it fills."""

from __future__ import annotations

from services.broker.types import OrderRequest
from services.errors import InvalidInput
from services.market.instruments import Instrument
from services.market.types import Quote

DELIVERY_EXCHANGES = frozenset({"NSE", "BSE"})
STOP_TYPES = frozenset({"SL", "SL-M"})
#: Intraday leverage of 5x on cash equities and crypto; futures block a SPAN-like 15 %.
MIS_MARGIN = 0.20
FUTURES_MARGIN = 0.15


def margin_rate(instrument: Instrument, product: str) -> float:
    """Fraction of an order's value blocked as margin."""
    if product == "CNC":
        return 1.0
    if instrument.is_derivative:
        return FUTURES_MARGIN
    return MIS_MARGIN


def check_tradable(instrument: Instrument, order: OrderRequest) -> None:
    """Refuse what no exchange would accept: indices, odd lots, a product the segment lacks."""
    fields: dict[str, str] = {}
    if not instrument.tradable:
        fields["symbol"] = f"{instrument.symbol} is an index: it can be quoted but not traded"
    if order.quantity % instrument.lotsize:
        fields["quantity"] = f"must be a multiple of the lot size {instrument.lotsize}"
    if order.product == "CNC" and instrument.exchange not in DELIVERY_EXCHANGES:
        fields["product"] = "CNC (delivery) is only for NSE and BSE equities; use MIS or NRML"
    if order.product == "NRML" and instrument.exchange in DELIVERY_EXCHANGES:
        fields["product"] = "NRML is for derivatives; use CNC or MIS for equities"
    if fields:
        name, reason = next(iter(fields.items()))
        raise InvalidInput(f"Order rejected: {name} {reason}.", fields=fields)


def check_stop_side(order: OrderRequest, ltp: float) -> None:
    """A stop must sit beyond the market (a buy stop above the LTP, a sell stop below)."""
    if order.pricetype not in STOP_TYPES:
        return
    if order.action == "BUY" and order.trigger_price <= ltp:
        raise InvalidInput(
            f"The trigger price of a stop-loss BUY must be above the last traded price ({ltp}).",
            fields={"trigger_price": f"must be above the LTP {ltp}"},
        )
    if order.action == "SELL" and order.trigger_price >= ltp:
        raise InvalidInput(
            f"The trigger price of a stop-loss SELL must be below the last traded price ({ltp}).",
            fields={"trigger_price": f"must be below the LTP {ltp}"},
        )


def is_triggered(action: str, trigger_price: float, ltp: float) -> bool:
    return ltp >= trigger_price if action == "BUY" else ltp <= trigger_price


def execution_price(action: str, limit: float | None, quote: Quote) -> float | None:
    """Where an order fills against ``quote`` now (None: it does not).

    Market orders take the other side of the spread; a limit fills once the other side reaches
    it, at the better of the two prices.
    """
    if action == "BUY":
        if limit is None:
            return quote.ask
        return min(limit, quote.ask) if quote.ask <= limit else None
    if limit is None:
        return quote.bid
    return max(limit, quote.bid) if quote.bid >= limit else None


def reference_price(order: OrderRequest, quote: Quote) -> float:
    """The price an order's margin is computed at before it fills."""
    if order.pricetype in ("LIMIT", "SL"):
        return order.price
    if order.pricetype == "SL-M":
        return order.trigger_price
    return quote.ask if order.action == "BUY" else quote.bid
