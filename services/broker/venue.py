"""``host.venue``: the broker the host trades through, with its master contract and, for the
sandbox, its simulated market and order matcher — built from Settings (``BROKER``).

``live_broker`` is where strategy features send ``live`` orders: the host's own broker when
BROKER=upstream, or — with BROKER=sandbox and both UPSTREAM_HOST and UPSTREAM_API_KEY set — an
upstream broker built on the side (the REST API and the pages still trade on the sandbox)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from database.engine import Database
from services.broker.interface import Broker
from services.broker.portfolio import Portfolio
from services.broker.sandbox.accounts import PaperAccounts
from services.broker.sandbox.books import Books
from services.broker.sandbox.broker import SandboxBroker
from services.broker.sandbox.engine import OrderEngine
from services.broker.sandbox.matcher import OrderMatcher
from services.broker.upstream import UpstreamBroker
from services.clock import Clock
from services.errors import ConfigurationError
from services.host_logging import SecretRedactor
from services.lifecycle import Lifecycle
from services.market.instruments import DEFAULT_INSTRUMENT_FILE, load_instrument_file
from services.market.market_data import MarketData
from services.market.master_contract import MasterContract, MasterContractService
from services.market.ohlcv_store import OhlcvStore
from services.settings import Settings


@dataclass(frozen=True)
class Venue:
    broker: Broker
    master_contract: MasterContract
    #: the sandbox's market (to move prices from the sandbox page); None for the upstream broker
    market: MarketData | None
    portfolio: Portfolio
    lifecycle: Lifecycle
    #: the broker of the ``live`` venue (None: this host has no live venue)
    live_broker: Broker | None = None


def build_venue(settings: Settings, db: Database, clock: Clock, redactor: SecretRedactor) -> Venue:
    if settings.broker == "upstream":
        return _upstream(settings, db, clock, redactor)
    return _sandbox(settings, db, clock, redactor)


def _sandbox(settings: Settings, db: Database, clock: Clock, redactor: SecretRedactor) -> Venue:
    master = MasterContract(
        db,
        clock,
        lambda today: load_instrument_file(DEFAULT_INSTRUMENT_FILE, today),
        settings.master_contract_delay_s,
    )
    market = MarketData(clock, OhlcvStore(db), lambda: master.index, settings.history_max_candles)
    accounts = PaperAccounts(settings.sandbox_capital)
    engine = OrderEngine(db, clock, market, lambda: master.index, accounts)
    books = Books(db, clock, market, lambda: master.index, accounts)
    broker = SandboxBroker(clock=clock, master=master, market=market, engine=engine, books=books)
    matcher = OrderMatcher(engine, settings.sandbox_match_interval_s, lambda: len(master.index) > 0)
    portfolio = Portfolio(broker, master, market, clock)
    live = _upstream_broker(settings, clock, redactor) if settings.upstream_host else None
    lifecycle = Lifecycle(
        background=(MasterContractService(master), matcher),
        closers=() if live is None else (live.close,),
    )
    return Venue(broker, master, market, portfolio, lifecycle, live)


def _upstream(settings: Settings, db: Database, clock: Clock, redactor: SecretRedactor) -> Venue:
    broker = _upstream_broker(settings, clock, redactor)
    if broker is None:
        raise ConfigurationError("BROKER=upstream needs UPSTREAM_HOST and UPSTREAM_API_KEY to be set.")
    master = MasterContract(db, clock, broker.download_instruments, settings.master_contract_delay_s)
    lifecycle = Lifecycle(background=(MasterContractService(master),), closers=(broker.close,))
    return Venue(broker, master, None, Portfolio(broker, master, None, clock), lifecycle, broker)


def _upstream_broker(settings: Settings, clock: Clock, redactor: SecretRedactor) -> UpstreamBroker | None:
    """The upstream OpenAlgo server's broker, when UPSTREAM_HOST and UPSTREAM_API_KEY are set."""
    if not settings.upstream_host or not settings.upstream_api_key:
        return None
    redactor.register(settings.upstream_api_key)
    client = httpx.Client(timeout=settings.upstream_timeout_s)
    return UpstreamBroker(settings.upstream_host, settings.upstream_api_key, clock, client)
