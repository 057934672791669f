"""Builds ``host.webhooks`` (webhook strategies: the table, deliveries, the receiver, square-off)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from database.engine import Database
from services.calendar.live_calendar import LiveCalendar
from services.clock import Clock
from services.cron import Cron
from services.crypto import SecretBox
from services.lifecycle import Lifecycle
from services.market.instruments import InstrumentIndex
from services.orders.dispatch import OrderDispatcher
from services.orders.journal import OrderJournal
from services.settings import Settings
from services.webhooks.console import WebhookConsole
from services.webhooks.custom_spec import CustomSpec
from services.webhooks.deliveries import Deliveries
from services.webhooks.receiver import RecentKeys, WebhookReceiver
from services.webhooks.squareoff import SquareOff
from services.webhooks.strategies import WebhookStrategies
from services.webhooks.throttle import WebhookThrottle


@dataclass(frozen=True)
class Webhooks:
    """``host.webhooks``: ``receiver`` for the machine route, ``console`` for the pages and API."""

    strategies: WebhookStrategies
    deliveries: Deliveries
    receiver: WebhookReceiver
    squareoff: SquareOff
    console: WebhookConsole
    lifecycle: Lifecycle


def build_webhooks(
    settings: Settings,
    *,
    db: Database,
    clock: Clock,
    box: SecretBox,
    calendar: LiveCalendar,
    cron: Cron,
    dispatcher: OrderDispatcher,
    journal: OrderJournal,
    host_id: str,
    host_gone: Callable[[str], bool],
    index: Callable[[], InstrumentIndex],
    api_key_of: Callable[[int], str | None],
    check_custom: Callable[[CustomSpec], CustomSpec] | None = None,
) -> Webhooks:
    strategies = WebhookStrategies(db, clock, box, index)
    deliveries = Deliveries(db, clock, settings.webhook_deliveries_kept, host_id)
    throttle = WebhookThrottle(
        settings.webhook_rate_limit, settings.ratelimit_storage_uri, settings.ratelimit_key_prefix
    )
    receiver = WebhookReceiver(
        strategies=strategies,
        deliveries=deliveries,
        dispatcher=dispatcher,
        calendar=calendar,
        clock=clock,
        throttle=throttle,
        journal=journal,
        host_id=host_id,
        host_gone=host_gone,
        api_key_of=RecentKeys(api_key_of, clock),
        dedupe_window_s=settings.webhook_dedupe_seconds,
        reply_wait_s=settings.webhook_reply_wait_s,
    )
    squareoff = SquareOff(
        strategies=strategies,
        deliveries=deliveries,
        dispatcher=dispatcher,
        calendar=calendar,
        cron=cron,
        clock=clock,
        api_key_of=api_key_of,
    )
    console = WebhookConsole(
        strategies=strategies,
        deliveries=deliveries,
        receiver=receiver,
        squareoff=squareoff,
        venues=dispatcher.venues(),
        index=index,
        check_custom=check_custom,
    )
    return Webhooks(
        strategies, deliveries, receiver, squareoff, console, Lifecycle(background=(receiver, squareoff))
    )
