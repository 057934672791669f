"""Builds ``host.orders`` (the order routers, their throttle and journal, the dispatcher) from the
host's settings and venue."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from database.engine import Database
from services.broker.sandbox.broker import SandboxBroker
from services.broker.venue import Venue
from services.clock import Clock
from services.leases import Leases
from services.lifecycle import Lifecycle
from services.orders.dispatch import OrderDispatcher
from services.orders.gates import ContractGate, MasterContractGate, ThrottlePacer
from services.orders.journal import LIVE, SANDBOX, OrderJournal, Outcome
from services.orders.recovery import LeasedPresence
from services.orders.router import OrderRouter
from services.orders.throttle import OrderThrottle
from services.settings import Settings


@dataclass(frozen=True)
class Orders:
    """``host.orders``: the one path to the broker. ``router`` is the host broker's (/api/v1);
    ``routers`` has one per venue; ``dispatcher`` sends strategy features' orders."""

    router: OrderRouter
    throttle: OrderThrottle
    journal: OrderJournal
    dispatcher: OrderDispatcher
    routers: Mapping[str, OrderRouter] = field(default_factory=dict)
    lifecycle: Lifecycle = Lifecycle()


def build_orders(
    settings: Settings,
    *,
    db: Database,
    clock: Clock,
    venue: Venue,
    leases: Leases,
    api_key_of: Callable[[int], str | None],
    contract_wait_s: float = 10.0,
    stop_timeout_s: float = 10.0,
    lane_idle_s: float = 300.0,
) -> Orders:
    """``contract_wait_s``: how long a sandbox order waits for the master contract before it is
    ``failed``; ``stop_timeout_s``: the bound on joining the dispatch lanes at shutdown;
    ``lane_idle_s``: an API key's lane thread ends after this long without orders."""
    throttle = OrderThrottle(
        settings.order_rate_limit, settings.ratelimit_storage_uri, settings.ratelimit_key_prefix
    )
    journal = OrderJournal(db, clock)
    sandbox = venue.broker if isinstance(venue.broker, SandboxBroker) else None
    # Every venue's router shares the throttle (one order limit per API key) and the journal.
    routers: dict[str, OrderRouter] = {}
    gates: dict[str, ContractGate] = {}
    if sandbox is not None:
        routers[SANDBOX] = OrderRouter(sandbox, throttle, journal, venue=SANDBOX)
        gates[SANDBOX] = MasterContractGate(venue.master_contract)
    if venue.live_broker is not None:
        routers[LIVE] = OrderRouter(venue.live_broker, throttle, journal, venue=LIVE)
    host_router = routers[SANDBOX if sandbox is not None else LIVE]
    dispatcher = OrderDispatcher(
        routers,
        journal,
        ThrottlePacer(throttle),
        LeasedPresence(leases),
        gates=gates,
        placement=None if sandbox is None else _placement_of(sandbox),
        api_key_of=api_key_of,
        contract_wait_s=contract_wait_s,
        stop_timeout_s=stop_timeout_s,
        lane_idle_s=lane_idle_s,
    )
    return Orders(host_router, throttle, journal, dispatcher, routers, Lifecycle(background=(dispatcher,)))


def _placement_of(sandbox: SandboxBroker) -> Callable[[int], Outcome | None]:
    def placement(journal_id: int) -> Outcome | None:
        placed = sandbox.placement(journal_id)
        if placed is None:
            return None
        if placed.status == "rejected":
            return Outcome("rejected", placed.orderid, placed.message)
        return Outcome("placed", placed.orderid)

    return placement
