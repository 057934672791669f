"""Read views of a paper account: order book, trade book, positions, holdings and funds.

The order and trade books show the current IST day (plus orders still open from earlier days);
positions show every open one and those closed today; P&L is marked to the live quote.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time

from sqlalchemy import func, or_, select

from database.engine import Database
from database.models.sandbox import SandboxOrder, SandboxPosition, SandboxTrade
from services.broker.sandbox import ledger
from services.broker.sandbox.accounts import PaperAccounts, order_of
from services.broker.sandbox.smart import Working
from services.broker.types import OPEN_STATUSES, Funds, HoldingView, OrderView, PositionView, TradeView
from services.clock import IST, Clock, to_ist
from services.market.instruments import InstrumentIndex
from services.market.market_data import MarketData


def _order_view(row: SandboxOrder) -> OrderView:
    return OrderView(
        orderid=str(row.orderid),
        symbol=row.symbol,
        exchange=row.exchange,
        action=row.action,
        quantity=row.quantity,
        price=row.price,
        trigger_price=row.trigger_price,
        pricetype=row.pricetype,
        product=row.product,
        order_status=row.status,
        average_price=row.average_price,
        filled_quantity=row.filled_quantity,
        timestamp=row.created_at,
        strategy=row.strategy,
        message=row.message,
    )


class Books:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        market: MarketData,
        instruments: Callable[[], InstrumentIndex],
        accounts: PaperAccounts,
    ) -> None:
        self._db = db
        self._clock = clock
        self._market = market
        self._instruments = instruments
        self._accounts = accounts

    def _start_of_day(self) -> datetime:
        return datetime.combine(to_ist(self._clock.now()).date(), time(0, 0), tzinfo=IST)

    def _ltp(self, exchange: str, symbol: str, fallback: float) -> float:
        instrument = self._instruments().get(exchange, symbol)
        return fallback if instrument is None else self._market.quote(instrument).ltp

    def order_book(self, account: int) -> list[OrderView]:
        with self._db.session() as session:
            rows = session.scalars(
                select(SandboxOrder)
                .where(
                    SandboxOrder.user_id == account,
                    or_(
                        SandboxOrder.created_at >= self._start_of_day(),
                        SandboxOrder.status.in_(OPEN_STATUSES),
                    ),
                )
                .order_by(SandboxOrder.id.desc())
            ).all()
            return [_order_view(row) for row in rows]

    def order_status(self, account: int, orderid: str) -> OrderView:
        with self._db.session() as session:
            return _order_view(order_of(session, account, orderid))

    def trade_book(self, account: int) -> list[TradeView]:
        with self._db.session() as session:
            rows = session.scalars(
                select(SandboxTrade)
                .where(SandboxTrade.user_id == account, SandboxTrade.created_at >= self._start_of_day())
                .order_by(SandboxTrade.id.desc())
            ).all()
            return [
                TradeView(
                    orderid=row.orderid,
                    symbol=row.symbol,
                    exchange=row.exchange,
                    action=row.action,
                    quantity=row.quantity,
                    average_price=row.price,
                    product=row.product,
                    timestamp=row.created_at,
                    strategy=row.strategy,
                )
                for row in rows
            ]

    def _positions(self, account: int) -> list[SandboxPosition]:
        with self._db.session() as session:
            return list(
                session.scalars(
                    select(SandboxPosition)
                    .where(
                        SandboxPosition.user_id == account,
                        or_(
                            SandboxPosition.quantity != 0, SandboxPosition.updated_at >= self._start_of_day()
                        ),
                    )
                    .order_by(SandboxPosition.id)
                )
            )

    def position_book(self, account: int) -> list[PositionView]:
        views = []
        for row in self._positions(account):
            ltp = self._ltp(row.exchange, row.symbol, row.average_price)
            unrealised = ledger.unrealised_pnl(row.quantity, row.average_price, ltp)
            views.append(
                PositionView(
                    symbol=row.symbol,
                    exchange=row.exchange,
                    product=row.product,
                    quantity=row.quantity,
                    average_price=row.average_price,
                    ltp=ltp,
                    pnl=round(row.realised_pnl + unrealised, 2),
                    realised_pnl=round(row.realised_pnl, 2),
                    unrealised_pnl=round(unrealised, 2),
                )
            )
        return views

    def open_position(self, account: int, symbol: str, exchange: str, product: str) -> int:
        with self._db.session() as session:
            quantity = session.scalar(
                select(SandboxPosition.quantity).where(
                    SandboxPosition.user_id == account,
                    SandboxPosition.exchange == exchange,
                    SandboxPosition.symbol == symbol,
                    SandboxPosition.product == product,
                )
            )
        return int(quantity or 0)

    def working(self, account: int, symbol: str, exchange: str, product: str) -> Working:
        """Unfilled quantity of the symbol's open orders (resting limits), per side.

        Stops still waiting for their trigger (``pending``) are not working orders.
        """
        with self._db.session() as session:
            rows = session.execute(
                select(SandboxOrder.action, func.sum(SandboxOrder.quantity - SandboxOrder.filled_quantity))
                .where(
                    SandboxOrder.user_id == account,
                    SandboxOrder.exchange == exchange,
                    SandboxOrder.symbol == symbol,
                    SandboxOrder.product == product,
                    SandboxOrder.status == "open",
                )
                .group_by(SandboxOrder.action)
            ).all()
        by_side = {action: int(quantity or 0) for action, quantity in rows}
        return Working(buy=by_side.get("BUY", 0), sell=by_side.get("SELL", 0))

    def holdings(self, account: int) -> list[HoldingView]:
        """Delivery (CNC) positions held long."""
        return [
            HoldingView(
                symbol=row.symbol,
                exchange=row.exchange,
                product=row.product,
                quantity=row.quantity,
                average_price=row.average_price,
                ltp=self._ltp(row.exchange, row.symbol, row.average_price),
            )
            for row in self._positions(account)
            if row.product == "CNC" and row.quantity > 0
        ]

    def funds(self, account: int) -> Funds:
        with self._db.session() as session:
            totals = self._accounts.totals(session, account, self._clock.now())
        unrealised = sum(
            ledger.unrealised_pnl(
                row.quantity, row.average_price, self._ltp(row.exchange, row.symbol, row.average_price)
            )
            for row in self._positions(account)
            if row.quantity
        )
        return Funds(
            availablecash=round(totals.available, 2),
            collateral=0.0,
            m2mrealized=round(totals.realised_pnl, 2),
            m2munrealized=round(unrealised, 2),
            utiliseddebits=round(totals.used_margin, 2),
        )
