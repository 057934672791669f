"""A sandbox broker wired on a temporary SQLite database with a fake clock, for unit tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from database.engine import Database
from database.migrate import upgrade_to_head
from database.models import User
from services.broker.sandbox.accounts import PaperAccounts
from services.broker.sandbox.books import Books
from services.broker.sandbox.broker import SandboxBroker
from services.broker.sandbox.engine import OrderEngine
from services.broker.types import OrderRequest
from services.market.instruments import DEFAULT_INSTRUMENT_FILE, Instrument, load_instrument_file
from services.market.market_data import MarketData
from services.market.master_contract import MasterContract
from services.market.ohlcv_store import OhlcvStore
from tests.support.strategies import FakeClock

#: Monday 2026-11-23, 11:00:30 IST: inside the NSE session, half a minute into a candle.
MONDAY_MIDDAY = datetime(2026, 11, 23, 5, 30, 30, tzinfo=UTC)


@dataclass
class SandboxWorld:
    clock: FakeClock
    db: Database
    master: MasterContract
    market: MarketData
    store: OhlcvStore
    engine: OrderEngine
    broker: SandboxBroker
    user_id: int

    def instrument(self, symbol: str, exchange: str = "NSE") -> Instrument:
        return self.master.index.require(exchange, symbol)

    def ltp(self, symbol: str, exchange: str = "NSE") -> float:
        return self.market.quote(self.instrument(symbol, exchange)).ltp

    def move(self, symbol: str, price: float, exchange: str = "NSE") -> None:
        self.market.set_price(self.instrument(symbol, exchange), price)

    def order(self, symbol: str, action: str, quantity: int, **fields: object) -> str:
        exchange = str(fields.pop("exchange", "NSE"))
        request = OrderRequest(symbol=symbol, exchange=exchange, action=action, quantity=quantity, **fields)  # type: ignore[arg-type]
        return self.broker.place_order(self.user_id, request)

    def status(self, orderid: str) -> str:
        return self.broker.order_status(self.user_id, orderid).order_status

    def close(self) -> None:
        self.db.dispose()


def sandbox_world(
    tmp_path: Path, *, start: datetime = MONDAY_MIDDAY, capital: float = 10_000_000.0
) -> SandboxWorld:
    clock = FakeClock(start)
    db = Database.from_url(f"sqlite:///{tmp_path / 'sandbox.db'}")
    upgrade_to_head(db.engine)
    with db.session() as session:
        user = User(username="trader", password_hash="not-used", created_at=clock.now())
        session.add(user)
        session.flush()
        user_id = user.id
    master = MasterContract(db, clock, lambda today: load_instrument_file(DEFAULT_INSTRUMENT_FILE, today))
    master.download_now()
    store = OhlcvStore(db)
    market = MarketData(clock, store, lambda: master.index)
    accounts = PaperAccounts(capital)
    engine = OrderEngine(db, clock, market, lambda: master.index, accounts)
    books = Books(db, clock, market, lambda: master.index, accounts)
    broker = SandboxBroker(clock=clock, master=master, market=market, engine=engine, books=books)
    return SandboxWorld(clock, db, master, market, store, engine, broker, user_id)
