"""The sandbox broker: the broker interface over simulated market data and paper accounts.

Every call needs the master contract: until its first download finishes the sandbox answers
with Unavailable (503) instead of guessing at symbols.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from services.broker.sandbox.books import Books
from services.broker.sandbox.engine import OrderEngine, Placement
from services.broker.sandbox.locks import SMART_ORDERS, KeyedLocks
from services.broker.sandbox.smart import plan_smart_order
from services.broker.types import (
    CancelAllResult,
    Funds,
    HistoryRequest,
    HoldingView,
    ModifyRequest,
    OrderRequest,
    OrderView,
    PositionView,
    QuoteResult,
    SmartOrderRequest,
    SmartOrderResult,
    TradeView,
)
from services.clock import Clock
from services.errors import HostError, InvalidInput, Unavailable
from services.market.instruments import (
    DEFAULT_INSTRUMENT_FILE,
    Instrument,
    InstrumentIndex,
    load_instrument_file,
)
from services.market.market_data import MarketData
from services.market.master_contract import MasterContract
from services.market.types import INTERVAL_MINUTES, Candles, Depth, Quote

SQUARED_OFF = "All Open Positions Squared Off"
NOTHING_TO_CLOSE = "No open positions to close"


class SandboxBroker:
    name = "sandbox"
    mode: str | None = "analyze"

    def __init__(
        self,
        *,
        clock: Clock,
        master: MasterContract,
        market: MarketData,
        engine: OrderEngine,
        books: Books,
        instrument_file: Path = DEFAULT_INSTRUMENT_FILE,
    ) -> None:
        self._clock = clock
        self._master = master
        self.market = market
        self.engine = engine
        self._books = books
        self._instrument_file = instrument_file
        # One smart order per symbol at a time, across hosts sharing the database too.
        self._symbol_locks = KeyedLocks(engine.database_engine, SMART_ORDERS)

    def _index(self) -> InstrumentIndex:
        index = self._master.index
        if not len(index):
            state = self._master.state()
            detail = f": {state.error}" if state.error else ""
            raise Unavailable(
                f"The master contract is not loaded yet (status {state.status}{detail}); try again shortly."
            )
        return index

    def instrument(self, symbol: str, exchange: str) -> Instrument:
        return self._index().require(exchange, symbol)

    # Market data -------------------------------------------------------------------------------
    def ping(self) -> None:
        self._index()

    def download_instruments(self, today: date) -> list[Instrument]:
        return load_instrument_file(self._instrument_file, today)

    def intervals(self) -> dict[str, list[str]]:
        minutes = [name for name, length in INTERVAL_MINUTES.items() if length < 60]
        hours = [name for name, length in INTERVAL_MINUTES.items() if length >= 60]
        return {"seconds": [], "minutes": minutes, "hours": hours, "days": ["D"], "weeks": [], "months": []}

    def quote(self, symbol: str, exchange: str) -> Quote:
        return self.market.quote(self.instrument(symbol, exchange))

    def multi_quote(self, items: Sequence[tuple[str, str]]) -> list[QuoteResult]:
        self._index()
        results = []
        for symbol, exchange in items:
            try:
                results.append(QuoteResult(symbol, exchange, quote=self.quote(symbol, exchange)))
            except HostError as error:
                results.append(QuoteResult(symbol, exchange, error=error.message))
        return results

    def depth(self, symbol: str, exchange: str) -> Depth:
        return self.market.depth(self.instrument(symbol, exchange))

    def history(self, request: HistoryRequest) -> Candles:
        instrument = self.instrument(request.symbol, request.exchange)
        return self.market.history(instrument, request.interval, request.start, request.end)

    # Orders ------------------------------------------------------------------------------------
    def place_order(self, account: int, order: OrderRequest) -> str:
        self._index()
        return self.engine.place(account, order)

    def place_smart_order(self, account: int, request: SmartOrderRequest) -> SmartOrderResult:
        order = request.order
        self.instrument(order.symbol, order.exchange)
        # One smart order per symbol at a time: two signals must not both see the old position.
        with self._symbol_locks.hold((account, order.exchange, order.symbol, order.product)):
            earlier = None if order.journal_id is None else self.engine.placement(order.journal_id)
            if earlier is not None:  # sent again for the same journal entry: the first order stands
                return _replayed(earlier)
            current = self._books.open_position(account, order.symbol, order.exchange, order.product)
            working = self._books.working(account, order.symbol, order.exchange, order.product)
            plan = plan_smart_order(current, request.position_size, order.action, order.quantity, working)
            if plan.action is None:
                return SmartOrderResult(None, plan.message)
            orderid = self.engine.place(account, replace(order, action=plan.action, quantity=plan.quantity))
            return SmartOrderResult(orderid)

    def placement(self, journal_id: int) -> Placement | None:
        """The paper order placed for order-journal entry ``journal_id`` (None: none was)."""
        return self.engine.placement(journal_id)

    def modify_order(self, account: int, request: ModifyRequest) -> str:
        self._index()
        return self.engine.modify(account, request.orderid, request.order)

    def cancel_order(self, account: int, orderid: str) -> str:
        return self.engine.cancel(account, orderid)

    def cancel_all_orders(self, account: int, strategy: str) -> CancelAllResult:
        canceled: list[str] = []
        failed: list[tuple[str, str]] = []
        for orderid in self.engine.open_orderids(account):
            try:
                canceled.append(self.engine.cancel(account, orderid))
            except HostError as error:
                failed.append((orderid, error.message))
        return CancelAllResult(tuple(canceled), tuple(failed))

    def close_position(self, account: int, strategy: str) -> str:
        self._index()
        open_positions = [p for p in self._books.position_book(account) if p.quantity]
        if not open_positions:
            return NOTHING_TO_CLOSE
        failures = []
        for position in open_positions:
            order = OrderRequest(
                symbol=position.symbol,
                exchange=position.exchange,
                action="SELL" if position.quantity > 0 else "BUY",
                quantity=abs(position.quantity),
                product=position.product,
                strategy=strategy,
            )
            try:
                self.engine.place(account, order)
            except HostError as error:
                failures.append(f"{position.symbol}: {error.message}")
        if failures:
            closed = len(open_positions) - len(failures)
            return f"Squared off {closed} of {len(open_positions)} positions; not closed: " + "; ".join(
                failures
            )
        return SQUARED_OFF

    # Account views -----------------------------------------------------------------------------
    def order_status(self, account: int, orderid: str) -> OrderView:
        return self._books.order_status(account, orderid)

    def open_position(self, account: int, symbol: str, exchange: str, product: str) -> int:
        self.instrument(symbol, exchange)
        return self._books.open_position(account, symbol, exchange, product)

    def order_book(self, account: int) -> list[OrderView]:
        return self._books.order_book(account)

    def trade_book(self, account: int) -> list[TradeView]:
        return self._books.trade_book(account)

    def position_book(self, account: int) -> list[PositionView]:
        return self._books.position_book(account)

    def holdings(self, account: int) -> list[HoldingView]:
        return self._books.holdings(account)

    def funds(self, account: int) -> Funds:
        return self._books.funds(account)


def _replayed(earlier: Placement) -> SmartOrderResult:
    if earlier.status == "rejected":
        raise InvalidInput(earlier.message, details={"orderid": earlier.orderid})
    return SmartOrderResult(earlier.orderid)
