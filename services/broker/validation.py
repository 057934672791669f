"""Checking OpenAlgo request bodies and turning them into typed requests.

The SDK sends numbers as strings ("quantity": "1"); both forms are accepted. Every problem of a
body is collected and raised as one InvalidInput whose ``fields`` name each offending input, so a
caller fixes everything in one go and nothing is placed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from services.broker.types import ACTIONS, PRICE_TYPES, PRODUCTS, HistoryRequest, ModifyRequest, OrderRequest
from services.broker.types import SmartOrderRequest as SmartRequest
from services.calendar.exchanges import SESSIONS
from services.errors import InvalidInput
from services.market.types import INTERVALS

MAX_QUANTITY = 10_000_000
MAX_PRICE = 1_000_000_000.0
MAX_MULTIQUOTE = 100


class Fields:
    """Reads named inputs of one body, remembering what is wrong with each."""

    def __init__(self, payload: Mapping[str, Any]) -> None:
        self.payload = payload
        self.errors: dict[str, str] = {}

    def _raw(self, name: str) -> Any:
        value = self.payload.get(name)
        return value.strip() if isinstance(value, str) else value

    def text(
        self, name: str, *, default: str | None = None, max_length: int = 64, upper: bool = False
    ) -> str:
        value = self._raw(name)
        if value in (None, ""):
            if default is None:
                self.errors[name] = "is required"
            return default or ""
        if not isinstance(value, str):
            self.errors[name] = "must be text"
            return ""
        if len(value) > max_length:
            self.errors[name] = f"must be at most {max_length} characters"
            return ""
        return value.upper() if upper else value

    def choice(self, name: str, options: tuple[str, ...], *, default: str | None = None) -> str:
        value = self.text(name, default=default, upper=True)
        if value and value not in options:
            self.errors[name] = f"must be one of {', '.join(options)}"
        return value

    def integer(self, name: str, *, default: int | None = None, minimum: int | None = None) -> int:
        value = self._raw(name)
        if value in (None, ""):
            if default is None:
                self.errors[name] = "is required"
                return 0
            return default
        result = _whole_number(value)
        if result is None:
            self.errors[name] = "must be a whole number"
            return 0
        if minimum is not None and result < minimum:
            self.errors[name] = (
                "must be a positive whole number" if minimum == 1 else f"must be at least {minimum}"
            )
        elif abs(result) > MAX_QUANTITY:
            self.errors[name] = f"must be at most {MAX_QUANTITY:,}"
        return result

    def price(self, name: str) -> float:
        value = self._raw(name)
        if value in (None, ""):
            return 0.0
        try:
            number = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError, OverflowError):  # OverflowError: an int of 400 digits
            number = math.nan
        if not math.isfinite(number) or number < 0:
            self.errors[name] = "must be a number of at least 0"
            return 0.0
        if number > MAX_PRICE:
            self.errors[name] = f"must be at most {MAX_PRICE:,.0f}"
            return 0.0
        return number

    def day(self, name: str) -> date:
        value = self._raw(name)
        if value in (None, ""):
            self.errors[name] = "is required"
            return date.min
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            self.errors[name] = "must be a date as YYYY-MM-DD"
            return date.min

    def done(self) -> None:
        if self.errors:
            details = "; ".join(f"{name} {reason}" for name, reason in self.errors.items())
            raise InvalidInput(f"Invalid input: {details}.", fields=self.errors)


def _whole_number(value: object) -> int | None:
    """An int from an int, a float or text such as "10" or "10.0"; None when it is not one.

    An int is taken as it is: converting a 400-digit one to float would raise OverflowError.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    number: float
    if isinstance(value, float):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value)  # "1" + 400 zeros is inf here, refused below
        except ValueError:
            return None
    else:
        return None
    if not math.isfinite(number) or number != int(number):
        return None
    return int(number)


def _instrument(fields: Fields) -> tuple[str, str]:
    symbol = fields.text("symbol", upper=True)
    exchange = fields.choice("exchange", tuple(SESSIONS))
    return symbol, exchange


def _order(
    fields: Fields, *, default_pricetype: str | None = "MARKET", default_product: str | None = "MIS"
) -> OrderRequest:
    symbol, exchange = _instrument(fields)
    action = fields.choice("action", ACTIONS)
    quantity = fields.integer("quantity", minimum=1)
    pricetype = fields.choice("pricetype", PRICE_TYPES, default=default_pricetype)
    product = fields.choice("product", PRODUCTS, default=default_product)
    price = fields.price("price")
    trigger = fields.price("trigger_price")
    disclosed = fields.integer("disclosed_quantity", default=0, minimum=0)
    strategy = fields.text("strategy", default="", max_length=100)
    if pricetype in ("LIMIT", "SL") and "price" not in fields.errors and price <= 0:
        fields.errors["price"] = f"is required (> 0) for a {pricetype} order"
    if pricetype in ("SL", "SL-M") and "trigger_price" not in fields.errors and trigger <= 0:
        fields.errors["trigger_price"] = f"is required (> 0) for an {pricetype} order"
    if pricetype == "SL" and price > 0 and trigger > 0:
        if action == "BUY" and price < trigger:
            fields.errors["price"] = "of an SL BUY must be at or above its trigger_price"
        if action == "SELL" and price > trigger:
            fields.errors["price"] = "of an SL SELL must be at or below its trigger_price"
    if disclosed > quantity > 0:
        fields.errors["disclosed_quantity"] = "cannot exceed the quantity"
    return OrderRequest(
        symbol, exchange, action, quantity, pricetype, product, price, trigger, disclosed, strategy
    )


def parse_order(payload: Mapping[str, Any]) -> OrderRequest:
    fields = Fields(payload)
    order = _order(fields)
    fields.done()
    return order


def parse_smart_order(payload: Mapping[str, Any]) -> SmartRequest:
    fields = Fields(payload)
    symbol, exchange = _instrument(fields)
    action = fields.choice("action", ACTIONS)
    # A smart order may carry quantity 0 (an exit signal); its real size comes from position_size.
    quantity = fields.integer("quantity", minimum=0)
    pricetype = fields.choice("pricetype", PRICE_TYPES, default="MARKET")
    product = fields.choice("product", PRODUCTS, default="MIS")
    price = fields.price("price")
    trigger = fields.price("trigger_price")
    strategy = fields.text("strategy", default="", max_length=100)
    position_size = fields.integer("position_size")
    if pricetype in ("LIMIT", "SL") and price <= 0:
        fields.errors.setdefault("price", f"is required (> 0) for a {pricetype} order")
    if pricetype in ("SL", "SL-M") and trigger <= 0:
        fields.errors.setdefault("trigger_price", f"is required (> 0) for an {pricetype} order")
    fields.done()
    order = OrderRequest(symbol, exchange, action, quantity, pricetype, product, price, trigger, 0, strategy)
    return SmartRequest(order, position_size)


def parse_modify(payload: Mapping[str, Any]) -> ModifyRequest:
    fields = Fields(payload)
    orderid = fields.text("orderid")
    order = _order(fields, default_pricetype=None, default_product=None)
    fields.done()
    return ModifyRequest(orderid, order)


def parse_orderid(payload: Mapping[str, Any]) -> str:
    fields = Fields(payload)
    orderid = fields.text("orderid")
    fields.done()
    return orderid


def parse_strategy(payload: Mapping[str, Any]) -> str:
    fields = Fields(payload)
    strategy = fields.text("strategy", default="", max_length=100)
    fields.done()
    return strategy


def parse_symbol(payload: Mapping[str, Any]) -> tuple[str, str]:
    fields = Fields(payload)
    instrument = _instrument(fields)
    fields.done()
    return instrument


def parse_position_query(payload: Mapping[str, Any]) -> tuple[str, str, str]:
    fields = Fields(payload)
    symbol, exchange = _instrument(fields)
    product = fields.choice("product", PRODUCTS)
    fields.done()
    return symbol, exchange, product


def parse_symbols(payload: Mapping[str, Any]) -> list[tuple[str, str]]:
    items = payload.get("symbols")
    if not isinstance(items, list) or not items:
        raise InvalidInput(
            "Invalid input: symbols must be a non-empty list.", fields={"symbols": "is required"}
        )
    if len(items) > MAX_MULTIQUOTE:
        raise InvalidInput(
            f"Invalid input: at most {MAX_MULTIQUOTE} symbols per request.",
            fields={"symbols": f"at most {MAX_MULTIQUOTE}"},
        )
    parsed = []
    for position, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise InvalidInput(
                "Invalid input: each symbol must be an object with symbol and exchange.",
                fields={f"symbols[{position}]": "must be an object"},
            )
        parsed.append(parse_symbol(item))
    return parsed


def parse_history(payload: Mapping[str, Any]) -> HistoryRequest:
    fields = Fields(payload)
    symbol, exchange = _instrument(fields)
    interval = fields.text("interval", max_length=8)
    if interval and interval not in INTERVALS:
        fields.errors["interval"] = f"must be one of {', '.join(INTERVALS)}"
    start = fields.day("start_date")
    end = fields.day("end_date")
    if "start_date" not in fields.errors and "end_date" not in fields.errors and end < start:
        fields.errors["end_date"] = "must not be before start_date"
    fields.done()
    return HistoryRequest(symbol, exchange, interval, start, end)


def parse_exchange_filter(payload: Mapping[str, Any]) -> str | None:
    """An optional ``exchange`` to narrow a symbol listing (None: every exchange)."""
    value = payload.get("exchange")
    if value in (None, ""):
        return None
    if not isinstance(value, str) or value.upper() not in SESSIONS:
        raise InvalidInput(
            f"Invalid input: exchange must be one of {', '.join(SESSIONS)}.",
            fields={"exchange": "unknown exchange"},
        )
    return value.upper()


def parse_search(payload: Mapping[str, Any]) -> tuple[str, str | None]:
    """A symbol search: the ``query`` text and an optional exchange."""
    query = payload.get("query")
    if not isinstance(query, str) or not query.strip():
        raise InvalidInput("Invalid input: query is required.", fields={"query": "is required"})
    return query, parse_exchange_filter(payload)
