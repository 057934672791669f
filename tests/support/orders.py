"""Fakes for the order dispatcher's unit tests: a broker that records (and can block or fail), a
pacer, a moving-window order limit on a fake clock, a contract gate, a host presence — and
``dispatch_world``, a dispatcher on a real journal (SQLite in tmp_path) wired to them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from database.engine import Database
from database.migrate import upgrade_to_head
from database.models import User
from services.broker.types import OrderRequest, SmartOrderRequest, SmartOrderResult
from services.orders.dispatch import Intent, OrderDispatcher
from services.orders.journal import OrderJournal, Outcome
from services.orders.router import Caller, OrderRouter
from services.orders.throttle import OrderThrottle
from tests.support.strategies import FakeClock


@dataclass(frozen=True)
class Sent:
    account: int
    order: OrderRequest
    position_size: int | None
    at: float  # the fake clock's monotonic time when the broker was asked
    journal_status: str | None  # the entry's status in the journal at that moment


class FakeBroker:
    """Places everything (orderid ``<venue>-<n>``) unless told otherwise per symbol: ``fail[symbol]``
    is raised, ``hold[symbol]`` (an Event) is waited for first, ``flat[symbol]`` makes a smart
    order find nothing to do."""

    def __init__(self, clock: FakeClock, name: str = "sandbox") -> None:
        self.name = name
        self.mode: str | None = "analyze"
        self.clock = clock
        self.sent: list[Sent] = []
        self.fail: dict[str, Exception] = {}
        self.hold: dict[str, threading.Event] = {}
        self.flat: set[str] = set()
        self.journal: OrderJournal | None = None
        self.entered = threading.Event()  # set when a held call has started
        self._lock = threading.Lock()

    def _receive(self, account: int, order: OrderRequest, size: int | None) -> str:
        status = None
        if self.journal is not None and order.journal_id is not None:
            [entry] = self.journal.get([order.journal_id])
            status = entry.status
        gate = self.hold.get(order.symbol)
        if gate is not None:
            self.entered.set()
            gate.wait(10)
        with self._lock:
            self.sent.append(Sent(account, order, size, self.clock.monotonic(), status))
            count = len(self.sent)
        if order.symbol in self.fail:
            raise self.fail[order.symbol]
        return f"{self.name}-{count}"

    def place_order(self, account: int, order: OrderRequest) -> str:
        return self._receive(account, order, None)

    def place_smart_order(self, account: int, request: SmartOrderRequest) -> SmartOrderResult:
        if request.order.symbol in self.flat:
            return SmartOrderResult(None, "Positions Already Matched. No Action needed.")
        return SmartOrderResult(self._receive(account, request.order, request.position_size))

    def symbols(self) -> list[str]:
        return [sent.order.symbol for sent in self.sent]


class InstantPacer:
    """Grants every slot at once; counts them per key. ``block[key]`` holds that key's lane."""

    def __init__(self) -> None:
        self.taken: dict[str, int] = {}
        self.block: dict[str, threading.Event] = {}

    def acquire(self, api_key: str, stopping: threading.Event) -> bool:
        gate = self.block.get(api_key)
        while gate is not None and not gate.is_set():
            if stopping.wait(0.01):
                return False
        self.taken[api_key] = self.taken.get(api_key, 0) + 1
        return True

    def try_acquire(self, api_key: str) -> bool:
        if api_key in self.block and not self.block[api_key].is_set():
            return False
        self.taken[api_key] = self.taken.get(api_key, 0) + 1
        return True


class FakeWindow:
    """``Tokens`` of a moving-window limit (``limit`` per ``period_s``) on a fake clock."""

    def __init__(self, clock: FakeClock, limit: int, period_s: float) -> None:
        self.clock = clock
        self.limit = limit
        self.period_s = period_s
        self.stamps: dict[str, list[float]] = {}

    def take(self, api_key: str) -> float:
        now = self.clock.monotonic()
        stamps = [t for t in self.stamps.get(api_key, []) if t > now - self.period_s]
        self.stamps[api_key] = stamps
        if len(stamps) < self.limit:
            stamps.append(now)
            return 0.0
        return stamps[0] + self.period_s - now


def advancing(clock: FakeClock) -> Callable[[threading.Event, float], bool]:
    """A ``Sleep`` that moves the fake clock instead of sleeping."""

    def sleep(stopping: threading.Event, seconds: float) -> bool:
        clock.advance(seconds)
        return stopping.is_set()

    return sleep


class FakeGate:
    def __init__(self, ready: bool = True) -> None:
        self.ready = ready
        self.waits: list[float] = []

    def wait_ready(self, timeout_s: float, stopping: threading.Event) -> bool:
        self.waits.append(timeout_s)
        return self.ready

    def interrupt(self) -> None:
        pass

    def is_ready(self) -> bool:
        return self.ready


@dataclass
class FakePresence:
    me: str = "host-a"
    renew_every_s: float = 3600.0
    gone: set[str] = field(default_factory=set)
    holds: int = 0
    releases: int = 0

    def hold(self) -> None:
        self.holds += 1

    def release(self) -> None:
        self.releases += 1

    def is_gone(self, dispatcher: str) -> bool:
        return dispatcher in self.gone


class CountingThrottle(OrderThrottle):
    def __init__(self) -> None:
        super().__init__("1 per hour", "memory://")
        self.hits = 0

    def hit(self, api_key: str) -> None:
        self.hits += 1
        super().hit(api_key)


@dataclass
class DispatchWorld:
    clock: FakeClock
    db: Database
    journal: OrderJournal
    brokers: dict[str, FakeBroker]
    throttle: CountingThrottle
    presence: FakePresence
    account: int
    placements: dict[int, Outcome] = field(default_factory=dict)

    def dispatcher(self, pacer: Any = None, **options: Any) -> OrderDispatcher:
        routers = {
            venue: OrderRouter(broker, self.throttle, self.journal, venue=venue)  # type: ignore[arg-type]
            for venue, broker in self.brokers.items()
        }
        options.setdefault("placement", self.placements.get)
        options.setdefault("api_key_of", lambda account: f"key-of-{account}")
        return OrderDispatcher(routers, self.journal, pacer or InstantPacer(), self.presence, **options)

    def caller(self, key: str = "key-a", source: str = "webhook:1") -> Caller:
        return Caller(self.account, key, source)

    def pending(self, dispatcher: str, *orders: tuple[str, int | None], venue: str = "sandbox") -> list[int]:
        """Entries a host ``dispatcher`` left pending (as after a crash)."""
        items = [(order(symbol), size) for symbol, size in orders]
        return self.journal.open_many("webhook:9", self.account, items, venue=venue, dispatcher=dispatcher)


def order(symbol: str, action: str = "BUY", quantity: int = 1) -> OrderRequest:
    return OrderRequest(symbol=symbol, exchange="NSE", action=action, quantity=quantity, strategy="t")


def intents(*symbols: str) -> list[Intent]:
    return [Intent(order(symbol)) for symbol in symbols]


@contextmanager
def dispatch_world(tmp_path: Path, venues: tuple[str, ...] = ("sandbox", "live")) -> Iterator[DispatchWorld]:
    clock = FakeClock()
    db = Database.from_url(f"sqlite:///{tmp_path / 'orders.db'}")
    upgrade_to_head(db.engine)
    with db.session() as session:
        user = User(username="trader", password_hash="not-used", created_at=clock.now())
        session.add(user)
        session.flush()
        account = user.id
    journal = OrderJournal(db, clock)
    brokers = {venue: FakeBroker(clock, venue) for venue in venues}
    for broker in brokers.values():
        broker.journal = journal
    try:
        yield DispatchWorld(clock, db, journal, brokers, CountingThrottle(), FakePresence(), account)
    finally:
        db.dispose()
