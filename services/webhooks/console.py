"""What the ``/strategy`` management routes ask of webhook strategies, one call per route.

Creating, changing, toggling and deleting a strategy keeps its square-off job in step; every
answer is the strategy as the pages and the JSON API show it (with its webhook URL, which needs
the address the trader reaches the host at, given by the caller).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping as MappingType
from dataclasses import replace
from typing import Any

from services.broker.types import PRODUCTS
from services.broker.validation import Fields
from services.calendar.timefmt import format_hhmm
from services.clock import ist_iso
from services.errors import InvalidInput
from services.market.instruments import InstrumentIndex
from services.webhooks.custom_spec import CustomSpec
from services.webhooks.definition import StrategyDefinition, parse_definition
from services.webhooks.deliveries import Deliveries, Delivery
from services.webhooks.receiver import WebhookReceiver
from services.webhooks.squareoff import SquareOff
from services.webhooks.strategies import Strategy, WebhookStrategies

SEARCH_LIMIT = 30
MAPPING_FIELDS = frozenset({"symbol", "exchange", "quantity", "product"})


class WebhookConsole:
    def __init__(
        self,
        *,
        strategies: WebhookStrategies,
        deliveries: Deliveries,
        receiver: WebhookReceiver,
        squareoff: SquareOff,
        venues: tuple[str, ...],
        index: Callable[[], InstrumentIndex],
        check_custom: Callable[[CustomSpec], CustomSpec] | None = None,
    ) -> None:
        """``check_custom``: the execution room's check of a custom strategy's file, class and
        parameters (it reads the file without running it); without one, custom strategies are
        refused."""
        self._strategies = strategies
        self._deliveries = deliveries
        self._receiver = receiver
        self._squareoff = squareoff
        self._venues = venues
        self._index = index
        self._check_custom = check_custom

    @property
    def venues(self) -> tuple[str, ...]:
        return self._venues

    # Strategies --------------------------------------------------------------------------------
    def all(self, base_url: str) -> list[dict[str, Any]]:
        strategies = self._strategies.all()
        counts = self._strategies.mapping_counts()
        latest = self._deliveries.latest([s.id for s in strategies])
        return [
            self._view(s, base_url, mappings_count=counts.get(s.id, 0), last=latest.get(s.id))
            for s in strategies
        ]

    def create(self, user_id: int, payload: MappingType[str, Any], base_url: str) -> dict[str, Any]:
        definition = self._checked(parse_definition(payload, current=None, venues=self._venues))
        strategy, _token = self._strategies.create(user_id, definition)
        self._squareoff.refresh(strategy.id, strategy)
        return self.detail(strategy.id, base_url)

    def update(self, strategy_id: int, payload: MappingType[str, Any], base_url: str) -> dict[str, Any]:
        current = self._strategies.get(strategy_id)
        definition = self._checked(parse_definition(payload, current=current.definition, venues=self._venues))
        strategy = self._strategies.update(strategy_id, definition)
        self._squareoff.refresh(strategy_id, strategy)
        return self.detail(strategy_id, base_url)

    def detail(self, strategy_id: int, base_url: str) -> dict[str, Any]:
        strategy = self._strategies.get(strategy_id)
        mappings = self._strategies.mappings(strategy_id)
        newest = self._deliveries.of_strategy(strategy_id, limit=1)
        view = self._view(
            strategy, base_url, mappings_count=len(mappings), last=newest[0] if newest else None
        )
        view["mappings"] = [mapping.as_dict() for mapping in mappings]
        return view

    def delete(self, strategy_id: int) -> dict[str, Any]:
        strategy = self._strategies.delete(strategy_id)
        self._squareoff.refresh(strategy_id, None)
        return {"id": strategy.id, "name": strategy.name}

    def toggle(self, strategy_id: int, payload: MappingType[str, Any], base_url: str) -> dict[str, Any]:
        """Set ``is_active`` to ``payload["is_active"]``, or flip it when the body names nothing."""
        unknown = sorted(set(payload) - {"is_active"})
        wanted = payload.get("is_active")
        if unknown or (wanted is not None and not isinstance(wanted, bool)):
            fields = dict.fromkeys(unknown, "is not a field of toggle") or {
                "is_active": "must be true or false"
            }
            raise InvalidInput(
                f"Invalid toggle: {next(iter(fields))} {next(iter(fields.values()))}.", fields=fields
            )
        current = self._strategies.get(strategy_id)
        strategy = self._strategies.set_active(
            strategy_id, not current.is_active if wanted is None else wanted
        )
        self._squareoff.refresh(strategy_id, strategy)
        return self.detail(strategy_id, base_url)

    def rotate_webhook(self, strategy_id: int, base_url: str) -> dict[str, Any]:
        self._strategies.rotate_webhook(strategy_id)
        return self.detail(strategy_id, base_url)

    def _checked(self, definition: StrategyDefinition) -> StrategyDefinition:
        if definition.custom is None:
            return definition
        if self._check_custom is None:
            raise InvalidInput(
                "Custom strategies need the execution engine, which this host does not run.",
                fields={"strategy_type": "custom strategies are not available on this host"},
            )
        return replace(definition, custom=self._check_custom(definition.custom))

    # Symbol mappings ---------------------------------------------------------------------------
    def add_mapping(self, strategy_id: int, payload: MappingType[str, Any]) -> dict[str, Any]:
        fields = Fields(payload)
        symbol = fields.text("symbol", upper=True)
        exchange = fields.text("exchange", max_length=16, upper=True)
        quantity = fields.integer("quantity", minimum=1)
        product = fields.choice("product", PRODUCTS)
        for name in sorted(set(payload) - MAPPING_FIELDS):
            fields.errors[name] = "is not a field of a symbol mapping"
        fields.done()
        mapping = self._strategies.add_mapping(strategy_id, symbol, exchange, quantity, product)
        return mapping.as_dict()

    def delete_mapping(self, strategy_id: int, mapping_id: int) -> dict[str, Any]:
        self._strategies.get(strategy_id)
        return self._strategies.delete_mapping(strategy_id, mapping_id).as_dict()

    def search_symbols(self, query: str, exchange: str | None) -> list[dict[str, Any]]:
        index = self._index()
        found = index.search(
            query.strip().upper(), exchange.upper() if exchange else None, limit=SEARCH_LIMIT
        )
        return [
            {
                "symbol": i.symbol,
                "exchange": i.exchange,
                "name": i.name,
                "lotsize": i.lotsize,
                "instrumenttype": i.instrumenttype,
                "tradable": i.tradable,
            }
            for i in found
        ]

    # Deliveries --------------------------------------------------------------------------------
    def deliveries(self, strategy_id: int, limit: int, before: int | None) -> list[dict[str, Any]]:
        """The newest deliveries with their orders' current status (one journal read for all)."""
        self._strategies.get(strategy_id)
        listed = self._deliveries.of_strategy(strategy_id, limit, before)
        orders = {order["journal_id"]: order for order in self._receiver.orders_of(_all_ids(listed))}
        views = []
        for delivery in listed:
            view = delivery.as_dict()
            view["orders"] = [orders[entry_id] for entry_id in delivery.order_ids if entry_id in orders]
            views.append(view)
        return views

    def _view(
        self, strategy: Strategy, base_url: str, *, mappings_count: int, last: Delivery | None
    ) -> dict[str, Any]:
        definition = strategy.definition
        webhook_id = self._strategies.webhook_id(strategy.id)
        next_squareoff = self._squareoff.next_run(strategy.id)
        return {
            "id": strategy.id,
            "name": definition.name,
            "strategy_type": definition.strategy_type,
            "exchange": definition.exchange,
            "trading_mode": definition.trading_mode,
            "is_intraday": definition.is_intraday,
            "start_time": format_hhmm(definition.window.start),
            "end_time": format_hhmm(definition.window.end),
            "squareoff_time": format_hhmm(definition.window.squareoff),
            "trading_venue": definition.trading_venue,
            "is_active": strategy.is_active,
            "webhook_id": webhook_id,
            "webhook_url": f"{base_url.rstrip('/')}/strategy/webhook/{webhook_id}",
            "next_run": None,
            **_custom_view(definition),
            "next_squareoff": ist_iso(next_squareoff),
            "mappings_count": mappings_count,
            "last_delivery": None if last is None else _last_delivery(last),
            "created_at": ist_iso(strategy.created_at),
            "updated_at": ist_iso(strategy.updated_at),
        }


def _custom_view(definition: StrategyDefinition) -> dict[str, Any]:
    if definition.custom is not None:
        return definition.custom.as_dict()
    return {
        "strategy_file": None,
        "strategy_class": None,
        "strategy_config": {},
        "execution_mode": "immediate",
        "schedule_config": None,
        "limits": {},
    }


def _all_ids(deliveries: list[Delivery]) -> tuple[int, ...]:
    return tuple(sorted({entry_id for delivery in deliveries for entry_id in delivery.order_ids}))


def _last_delivery(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "received_at": ist_iso(delivery.received_at),
        "result": delivery.result,
        "message": delivery.message,
    }
