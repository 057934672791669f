"""An alert arriving at ``POST /strategy/webhook/<webhook_id>``: from the raw body to orders.

The order of things is the contract: find the strategy (404), count the alert against its rate
(429), refuse an inactive strategy (409) or an alert that cannot be understood (400) — those are
recorded as ``rejected`` deliveries and place nothing — then, under the strategy's own lock so its
alerts are acted on in arrival order, record the delivery, claim its dedupe keys (a repeat is a
``duplicate`` answered with the first delivery's orders), gate it on the trading window
(``ignored``), and hand its order to the durable dispatcher (``accepted``). Once a delivery is
recorded the sender is never told 5xx: a failure after that point is an ``accepted`` delivery with
the failure in its message. The reply waits a bounded time for the broker's answer, so a sender
usually learns the order id at once; later outcomes are on the delivery.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from services.broker.types import OrderRequest
from services.calendar.live_calendar import LiveCalendar
from services.clock import Clock
from services.errors import Conflict, HostError, InvalidInput, NotFound
from services.orders.dispatch import Intent, OrderDispatcher
from services.orders.journal import JournalEntry, OrderJournal
from services.orders.router import Caller
from services.webhooks.alerts import Alert, check_size, parse_alert
from services.webhooks.deliveries import Deliveries, Delivery, dedupe_keys, finish_in
from services.webhooks.modes import PlannedOrder, plan_orders
from services.webhooks.strategies import Mapping, Strategy, WebhookStrategies
from services.webhooks.throttle import WebhookThrottle
from services.webhooks.windows import closed_reason

log = logging.getLogger(__name__)

UNKNOWN_WEBHOOK = "There is no strategy with this webhook id (it may have been rotated)."
NEVER_ACTED_ON = "The host stopped before acting on it: nothing was sent. A retry by the sender is acted on."


@dataclass(frozen=True)
class Inbound:
    """What the web edge passes on: the id from the URL, the raw body, who sent it."""

    webhook_id: str
    body: bytes
    sender: str = ""
    #: the headers that matter (content type, user agent, idempotency key), as received
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Understood:
    """An alert that passed every check: what it says, the mapping it trades, the order it asks."""

    alert: Alert
    mapping: Mapping
    planned: PlannedOrder


@dataclass(frozen=True)
class Reply:
    result: str
    message: str
    delivery_id: int
    orders: list[dict[str, Any]]
    duplicate_of: int | None = None
    #: wait for the broker's answer before replying (only when no order is queued ahead)
    wait_for_orders: bool = False

    def as_dict(self) -> dict[str, Any]:
        reply: dict[str, Any] = {
            "result": self.result,
            "message": self.message,
            "delivery_id": self.delivery_id,
            "orders": self.orders,
        }
        if self.duplicate_of is not None:
            reply["duplicate_of"] = self.duplicate_of
        return reply


class RecentKeys:
    """The account's API key, read at most every ``ttl_s`` (one read less per alert). The key only
    names the order-limit bucket an order counts in; after a regeneration the old name is used for
    at most ``ttl_s``."""

    def __init__(self, read: Callable[[int], str | None], clock: Clock, ttl_s: float = 5.0) -> None:
        self._read = read
        self._clock = clock
        self._ttl_s = ttl_s
        self._keys: dict[int, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def __call__(self, account: int) -> str | None:
        now = self._clock.monotonic()
        with self._lock:
            cached = self._keys.get(account)
        if cached is not None and now - cached[0] < self._ttl_s:
            return cached[1]
        key = self._read(account)
        with self._lock:
            self._keys[account] = (now, key)
        return key


def order_view(entry: JournalEntry) -> dict[str, Any]:
    """An order as a sender and the deliveries table see it."""
    return {
        "journal_id": entry.id,
        "symbol": entry.order.symbol,
        "exchange": entry.order.exchange,
        "action": entry.order.action,
        "quantity": entry.order.quantity,
        "position_size": entry.position_size,
        "product": entry.order.product,
        "status": entry.status,
        "orderid": entry.orderid,
        "message": entry.message,
    }


class WebhookReceiver:
    """Acts on alerts; as a BackgroundService its ``start`` finishes the deliveries an earlier run
    left ``received`` (their orders, if any were journaled, are placed by the dispatcher)."""

    name = "webhook deliveries"

    def __init__(
        self,
        *,
        strategies: WebhookStrategies,
        deliveries: Deliveries,
        dispatcher: OrderDispatcher,
        calendar: LiveCalendar,
        clock: Clock,
        throttle: WebhookThrottle,
        journal: OrderJournal,
        host_id: str,
        host_gone: Callable[[str], bool],
        api_key_of: Callable[[int], str | None],
        dedupe_window_s: float,
        reply_wait_s: float,
    ) -> None:
        self._strategies = strategies
        self._deliveries = deliveries
        self._dispatcher = dispatcher
        self._calendar = calendar
        self._clock = clock
        self._throttle = throttle
        self._journal = journal
        self._host_id = host_id
        self._host_gone = host_gone
        self._api_key_of = api_key_of
        self._dedupe_window_s = dedupe_window_s
        self._reply_wait_s = reply_wait_s
        self._locks: dict[int, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def start(self) -> None:
        for delivery in self._deliveries.unfinished():
            if delivery.host != self._host_id and not self._host_gone(delivery.host):
                continue  # in flight on another live host
            if not self.settle_unfinished(delivery) and not delivery.message:
                self._deliveries.finish(delivery.id, "received", NEVER_ACTED_ON)

    def stop(self) -> None:
        """Nothing runs in the background: requests end with the server."""

    def receive(self, inbound: Inbound) -> Reply:
        check_size(inbound.body)
        found = self._strategies.by_webhook_id_with_mappings(inbound.webhook_id)
        if found is None:
            raise NotFound(UNKNOWN_WEBHOOK)
        strategy, mappings = found
        self._throttle.hit(strategy.id)
        body_text = inbound.body.decode("utf-8", errors="replace")
        try:
            understood = self._understand(strategy, mappings, inbound)
        except (InvalidInput, Conflict) as refusal:
            delivery_id, _ = self._deliveries.record(strategy.id, inbound.sender, inbound.headers, body_text)
            self._deliveries.finish(delivery_id, "rejected", refusal.message)
            refusal.details.setdefault("delivery_id", delivery_id)
            raise
        keys = dedupe_keys(inbound.body, understood.alert.idempotency_key, self._dedupe_window_s)
        with self._lock_of(strategy.id):
            # The delivery and its claim on the dedupe keys are one transaction.
            delivery_id, first = self._deliveries.record(
                strategy.id, inbound.sender, inbound.headers, body_text, keys
            )
            try:
                reply = self._act(strategy, understood, delivery_id, first)
            except Exception as error:  # recorded: the sender must not retry into a second order
                log.exception(
                    "Webhook delivery %s of strategy %s failed after recording", delivery_id, strategy.id
                )
                message = f"Accepted, but acting on it failed: {_reason(error)}"
                self._deliveries.finish(delivery_id, "accepted", message)
                return Reply("accepted", message, delivery_id, [])
        if reply.result != "accepted" or not reply.orders:
            return reply
        timeout = self._reply_wait_s if reply.wait_for_orders else 0.0
        entries = self._dispatcher.wait([order["journal_id"] for order in reply.orders], timeout)
        return Reply(reply.result, reply.message, delivery_id, [order_view(entry) for entry in entries])

    def orders_of(self, order_ids: tuple[int, ...]) -> list[dict[str, Any]]:
        if not order_ids:
            return []
        return [order_view(entry) for entry in self._dispatcher.wait(list(order_ids), 0)]

    def _understand(self, strategy: Strategy, mappings: list[Mapping], inbound: Inbound) -> Understood:
        if not strategy.is_active:
            raise Conflict(f"Strategy {strategy.name!r} is inactive: turn it on to accept alerts.")
        alert = parse_alert(inbound.body, inbound.headers.get("Idempotency-Key"))
        mapping = self._mapping_for(strategy, mappings, alert)
        return Understood(
            alert, mapping, plan_orders(strategy.definition.trading_mode, alert, mapping.quantity)
        )

    def _mapping_for(self, strategy: Strategy, mappings: list[Mapping], alert: Alert) -> Mapping:
        candidates = [m for m in mappings if m.symbol == alert.symbol]
        if alert.exchange is not None:
            candidates = [m for m in candidates if m.exchange == alert.exchange]
        if not candidates:
            where = f" on {alert.exchange}" if alert.exchange else ""
            raise InvalidInput(
                f"{alert.symbol}{where} is not mapped in strategy {strategy.name!r}: add it on the "
                "strategy's page.",
                fields={"symbol": "is not mapped in this strategy"},
            )
        if len(candidates) > 1:
            raise InvalidInput(
                f"{alert.symbol} is mapped on {', '.join(m.exchange for m in candidates)}: name the "
                'exchange in the alert ("exchange": "NSE").',
                fields={"exchange": "is required: the symbol is mapped on several exchanges"},
            )
        return candidates[0]

    def _act(self, strategy: Strategy, understood: Understood, delivery_id: int, first: int | None) -> Reply:
        alert, planned = understood.alert, understood.planned
        if first is not None and not self._abandoned(strategy, first, delivery_id):
            original = self._deliveries.get(first)
            order_ids = original.order_ids if original is not None else ()
            message = f"Duplicate of delivery {first}: nothing placed again."
            self._deliveries.finish(delivery_id, "duplicate", message, order_ids, duplicate_of=first)
            return Reply("duplicate", message, delivery_id, self.orders_of(order_ids), duplicate_of=first)
        reason = closed_reason(
            strategy.definition.intraday_window,
            strategy.definition.exchange,
            self._calendar.current(),
            self._clock.now(),
            is_entry=planned.is_entry,
        )
        if reason is not None:
            self._deliveries.finish(delivery_id, "ignored", reason)
            return Reply("ignored", reason, delivery_id, [])
        api_key = self._api_key_of(strategy.user_id)
        if api_key is None:
            message = (
                "Accepted, but no order was sent: the host has no API key (create one on the API key page)."
            )
            self._deliveries.finish(delivery_id, "accepted", message)
            return Reply("accepted", message, delivery_id, [])
        intent = _intent(strategy, understood.mapping, planned)
        caller = Caller(account=strategy.user_id, api_key=api_key, source=strategy.source(delivery_id))
        # In a burst the order waits its turn at the order limit's pace: the reply then says
        # "queued" at once instead of holding the sender (TradingView gives up after ~3 s).
        idle = self._dispatcher.queued(api_key) == 0
        venue = strategy.definition.trading_venue
        message = f"{alert.action} {alert.symbol}: order queued for the {venue} broker."
        # The orders and their delivery are committed together (the journal's transaction).
        ids = self._dispatcher.submit(
            caller,
            [intent],
            venue=venue,
            also=lambda session, ids: finish_in(session, delivery_id, "accepted", message, ids),
            inline=idle,
        )
        pending = [{"journal_id": entry_id, "status": "pending"} for entry_id in ids]
        return Reply("accepted", message, delivery_id, pending, wait_for_orders=idle)

    def _abandoned(self, strategy: Strategy, first: int, delivery_id: int) -> bool:
        """True when ``first`` holds the keys but its host stopped before acting on it: it is still
        ``received``, has no orders, and was recorded by this host (which acts on one delivery of
        a strategy at a time, so it is not in flight) or by a host that is provably gone. Its keys
        pass to ``delivery_id``, which is then acted on."""
        original = self._deliveries.get(first)
        if original is None or original.result != "received":
            return False
        if self.settle_unfinished(original):
            return False  # its orders were journaled: the retry is a duplicate of them
        if original.host != self._host_id and not self._host_gone(original.host):
            return False  # in flight on another live host
        self._deliveries.take_over(strategy.id, first, delivery_id)
        self._deliveries.finish(
            first, "received", f"Never acted on (the host stopped); delivery {delivery_id} was."
        )
        return True

    def settle_unfinished(self, delivery: Delivery) -> bool:
        """Finish a delivery left ``received`` whose orders were journaled before the host stopped
        (the dispatcher places them at its start); True when it had orders."""
        entries = self._journal.entries(source=f"webhook:{delivery.strategy_id}:{delivery.id}", limit=1000)
        if not entries:
            return False
        ids = sorted(entry.id for entry in entries)
        message = (
            "Accepted; the host restarted before it answered, and its orders were sent after the restart."
        )
        self._deliveries.finish(delivery.id, "accepted", message, ids)
        return True

    def _lock_of(self, strategy_id: int) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(strategy_id, threading.Lock())


def _intent(strategy: Strategy, mapping: Mapping, planned: PlannedOrder) -> Intent:
    order = OrderRequest(
        symbol=mapping.symbol,
        exchange=mapping.exchange,
        action=planned.action,
        quantity=planned.quantity,
        pricetype="MARKET",
        product=mapping.product,
        strategy=strategy.name,
    )
    return Intent(order, planned.position_size, only_if=planned.only_if)


def _reason(error: Exception) -> str:
    return error.message if isinstance(error, HostError) else type(error).__name__
