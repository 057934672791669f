"""Builds ``host.orders`` (the order router, its throttle and journal) from the host's settings."""

from __future__ import annotations

from dataclasses import dataclass

from database.engine import Database
from services.broker.interface import Broker
from services.clock import Clock
from services.lifecycle import Lifecycle
from services.orders.journal import OrderJournal
from services.orders.router import OrderRouter
from services.orders.throttle import OrderThrottle
from services.settings import Settings


@dataclass(frozen=True)
class Orders:
    """``host.orders``: the one path to the broker (no threads of its own)."""

    router: OrderRouter
    throttle: OrderThrottle
    journal: OrderJournal
    lifecycle: Lifecycle = Lifecycle()


def build_orders(settings: Settings, *, db: Database, clock: Clock, broker: Broker) -> Orders:
    throttle = OrderThrottle(
        settings.order_rate_limit, settings.ratelimit_storage_uri, settings.ratelimit_key_prefix
    )
    journal = OrderJournal(db, clock)
    return Orders(OrderRouter(broker, throttle, journal), throttle, journal)
