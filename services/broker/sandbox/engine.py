"""Paper orders: placing, modifying, cancelling and filling them against the simulated market.

MARKET orders fill at once on the other side of the spread. LIMIT orders rest until the price
reaches them; SL / SL-M orders wait for their trigger. The matcher (``match``) re-checks resting
orders against fresh quotes. Margin is checked when an order is placed (and held for a resting
order) and again when it fills. Writes for one user are serialised by that user's lock, so an
API request and the matcher never update the same account at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from database.engine import Database
from database.models.sandbox import SandboxOrder, SandboxPosition, SandboxTrade
from services.broker.sandbox import ledger, rules
from services.broker.sandbox.accounts import PaperAccounts, order_of
from services.broker.sandbox.locks import ACCOUNTS, KeyedLocks
from services.broker.types import OPEN_STATUSES, OrderRequest
from services.clock import Clock, to_ist
from services.errors import Conflict, InvalidInput
from services.market.instruments import Instrument, InstrumentIndex
from services.market.market_data import MarketData
from services.market.types import Quote

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Rejection:
    orderid: str
    message: str


@dataclass(frozen=True)
class Placement:
    """The paper order placed for an order-journal entry, as it stands now."""

    orderid: str
    status: str
    message: str


class OrderEngine:
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
        self.account_locks = KeyedLocks(db.engine, ACCOUNTS)

    @property
    def database_engine(self) -> Engine:
        return self._db.engine

    # Placing -----------------------------------------------------------------------------------
    def placement(self, journal_id: int) -> Placement | None:
        """The order placed for journal entry ``journal_id`` (None: none was)."""
        with self._db.session() as session:
            row = session.scalar(select(SandboxOrder).where(SandboxOrder.journal_id == journal_id))
            return None if row is None else Placement(str(row.orderid), row.status, row.message)

    def place(self, account: int, order: OrderRequest) -> str:
        instrument = self._instruments().require(order.exchange, order.symbol)
        rules.check_tradable(instrument, order)
        quote = self._market.quote(instrument)
        rules.check_stop_side(order, quote.ltp)
        with self.account_locks.hold(account):
            outcome = self._place_locked(account, order, instrument, quote)
        if isinstance(outcome, _Rejection):
            raise InvalidInput(outcome.message, details={"orderid": outcome.orderid})
        return outcome

    def _place_locked(
        self, account: int, order: OrderRequest, instrument: Instrument, quote: Quote
    ) -> str | _Rejection:
        now = self._clock.now()
        with self._db.session() as session:
            if order.journal_id is not None:
                # Sent again for the same journal entry (after a crash): the first order stands.
                earlier = session.scalar(
                    select(SandboxOrder).where(SandboxOrder.journal_id == order.journal_id)
                )
                if earlier is not None:
                    return _earlier(earlier)
            self._accounts.ensure(session, account, now)
            row = SandboxOrder(
                user_id=account,
                strategy=order.strategy,
                exchange=instrument.exchange,
                symbol=instrument.symbol,
                action=order.action,
                quantity=order.quantity,
                pricetype=order.pricetype,
                product=order.product,
                price=order.price if order.pricetype in ("LIMIT", "SL") else 0.0,
                trigger_price=order.trigger_price if order.pricetype in rules.STOP_TYPES else 0.0,
                disclosed_quantity=order.disclosed_quantity,
                status="open",
                triggered=False,
                created_at=now,
                updated_at=now,
                journal_id=order.journal_id,
            )
            session.add(row)
            session.flush()
            row.orderid = _identifier(row.id, now)
            needed, problem = self._affordability(session, row, instrument, quote, now)
            if problem:
                row.status, row.message = "rejected", problem
                return _Rejection(row.orderid, problem)
            if not self._try_execute(session, row, instrument, quote, now) and row.status in OPEN_STATUSES:
                row.reserved_margin = needed
            log.info(
                "Sandbox order %s %s %s %s:%s -> %s",
                row.orderid,
                row.action,
                row.quantity,
                row.exchange,
                row.symbol,
                row.status,
            )
            return row.orderid

    def _affordability(
        self, session: Session, row: SandboxOrder, instrument: Instrument, quote: Quote, now: datetime
    ) -> tuple[float, str | None]:
        """The margin the order needs, and why it cannot be placed (None when it can)."""
        position = self._position(session, row)
        held = position.quantity if position else 0
        if row.product == "CNC" and row.action == "SELL":
            selling = session.scalar(
                select(func.coalesce(func.sum(SandboxOrder.quantity), 0)).where(
                    SandboxOrder.user_id == row.user_id,
                    SandboxOrder.exchange == row.exchange,
                    SandboxOrder.symbol == row.symbol,
                    SandboxOrder.product == "CNC",
                    SandboxOrder.action == "SELL",
                    SandboxOrder.status.in_(OPEN_STATUSES),
                    SandboxOrder.id != row.id,
                )
            )
            free = max(0, held - int(selling or 0))
            if row.quantity > free:
                return 0.0, (
                    f"CNC sell rejected: you hold {free} {row.symbol} free to sell; "
                    "delivery sells need holdings (short selling is MIS only)."
                )
        signed = row.quantity if row.action == "BUY" else -row.quantity
        request = _as_request(row)
        needed = (
            ledger.exposure_increase(held, signed)
            * rules.reference_price(request, quote)
            * rules.margin_rate(instrument, row.product)
        )
        available = self._accounts.totals(session, row.user_id, now).available
        if needed > available + 1e-6:
            return needed, (
                f"Insufficient funds: this order needs ₹{needed:,.2f} of margin and "
                f"₹{max(available, 0.0):,.2f} is available."
            )
        return needed, None

    # Executing ---------------------------------------------------------------------------------
    def _try_execute(
        self, session: Session, row: SandboxOrder, instrument: Instrument, quote: Quote, now: datetime
    ) -> bool:
        """Trigger and fill ``row`` if the market allows it now; True when it filled."""
        if row.pricetype in rules.STOP_TYPES and not row.triggered:
            if not rules.is_triggered(row.action, row.trigger_price, quote.ltp):
                row.status = "pending"
                return False
            row.triggered = True
        limit = row.price if row.pricetype in ("LIMIT", "SL") else None
        price = rules.execution_price(row.action, limit, quote)
        if price is None:
            row.status, row.updated_at = "open", now
            return False
        self._fill(session, row, instrument, price, now)
        return row.status == "complete"

    def _fill(
        self, session: Session, row: SandboxOrder, instrument: Instrument, price: float, now: datetime
    ) -> None:
        position = self._position_for_fill(session, row)
        signed = row.quantity if row.action == "BUY" else -row.quantity
        rate = rules.margin_rate(instrument, row.product)
        if row.product == "CNC" and row.action == "SELL" and position.quantity < row.quantity:
            self._reject(row, f"CNC sell rejected at execution: you hold {position.quantity}.", now)
            return
        needed = ledger.exposure_increase(position.quantity, signed) * price * rate
        available = self._accounts.totals(session, row.user_id, now).available + row.reserved_margin
        if needed > available + 1e-6:
            self._reject(row, f"Insufficient funds at execution: needs ₹{needed:,.2f}.", now)
            return
        state = ledger.apply_fill(
            ledger.PositionState(
                position.quantity, position.average_price, position.realised_pnl, position.margin
            ),
            signed,
            price,
            rate,
        )
        position.quantity, position.average_price = state.quantity, state.average_price
        position.realised_pnl, position.margin = state.realised_pnl, state.margin
        position.updated_at = now
        row.status, row.filled_quantity, row.average_price = "complete", row.quantity, price
        row.reserved_margin, row.updated_at = 0.0, now
        trade = SandboxTrade(
            orderid=row.orderid,
            user_id=row.user_id,
            strategy=row.strategy,
            exchange=row.exchange,
            symbol=row.symbol,
            action=row.action,
            quantity=row.quantity,
            price=price,
            product=row.product,
            created_at=now,
        )
        session.add(trade)
        session.flush()
        trade.tradeid = _identifier(trade.id, now)

    @staticmethod
    def _reject(row: SandboxOrder, message: str, now: datetime) -> None:
        row.status, row.message, row.reserved_margin, row.updated_at = "rejected", message, 0.0, now
        log.info("Sandbox order %s rejected: %s", row.orderid, message)

    @staticmethod
    def _position(session: Session, row: SandboxOrder) -> SandboxPosition | None:
        return session.scalar(
            select(SandboxPosition).where(
                SandboxPosition.user_id == row.user_id,
                SandboxPosition.exchange == row.exchange,
                SandboxPosition.symbol == row.symbol,
                SandboxPosition.product == row.product,
            )
        )

    def _position_for_fill(self, session: Session, row: SandboxOrder) -> SandboxPosition:
        position = self._position(session, row)
        if position is None:
            position = SandboxPosition(
                user_id=row.user_id,
                exchange=row.exchange,
                symbol=row.symbol,
                product=row.product,
                quantity=0,
                average_price=0.0,
                realised_pnl=0.0,
                margin=0.0,
                updated_at=self._clock.now(),
            )
            session.add(position)
            session.flush()
        return position

    # Changing resting orders -------------------------------------------------------------------
    def modify(self, account: int, orderid: str, order: OrderRequest) -> str:
        instrument = self._instruments().require(order.exchange, order.symbol)
        rules.check_tradable(instrument, order)
        quote = self._market.quote(instrument)
        with self.account_locks.hold(account), self._db.session() as session:
            row = order_of(session, account, orderid)
            if row.status not in OPEN_STATUSES:
                raise Conflict(f"Order {orderid} is {row.status} and can no longer be modified.")
            fixed = {
                "symbol": row.symbol,
                "exchange": row.exchange,
                "action": row.action,
                "product": row.product,
            }
            changed = {
                k: f"cannot change {v} on a placed order" for k, v in fixed.items() if getattr(order, k) != v
            }
            if changed:
                raise InvalidInput("Cancel the order and place a new one to change that.", fields=changed)
            if order.pricetype in rules.STOP_TYPES and not row.triggered:
                rules.check_stop_side(order, quote.ltp)
            if (order.pricetype in rules.STOP_TYPES) != (row.pricetype in rules.STOP_TYPES):
                row.triggered = False
            row.quantity, row.pricetype = order.quantity, order.pricetype
            row.price = order.price if order.pricetype in ("LIMIT", "SL") else 0.0
            row.trigger_price = order.trigger_price if order.pricetype in rules.STOP_TYPES else 0.0
            row.disclosed_quantity, row.reserved_margin = order.disclosed_quantity, 0.0
            now = self._clock.now()
            needed, problem = self._affordability(session, row, instrument, quote, now)
            if problem:
                raise InvalidInput(problem)  # rolls back: the order stays as it was
            if not self._try_execute(session, row, instrument, quote, now) and row.status in OPEN_STATUSES:
                row.reserved_margin = needed
            row.updated_at = now
        return orderid

    def cancel(self, account: int, orderid: str) -> str:
        with self.account_locks.hold(account), self._db.session() as session:
            row = order_of(session, account, orderid)
            if row.status not in OPEN_STATUSES:
                raise Conflict(f"Order {orderid} is {row.status} and can no longer be cancelled.")
            row.status, row.reserved_margin, row.message = "cancelled", 0.0, "Cancelled by the user."
            row.updated_at = self._clock.now()
        return orderid

    def open_orderids(self, account: int) -> list[str]:
        with self._db.session() as session:
            return [
                str(orderid)
                for orderid in session.scalars(
                    select(SandboxOrder.orderid)
                    .where(SandboxOrder.user_id == account, SandboxOrder.status.in_(OPEN_STATUSES))
                    .order_by(SandboxOrder.id)
                )
            ]

    # The matcher's pass ------------------------------------------------------------------------
    def match(self) -> int:
        """Re-check every resting order against a fresh quote; returns how many changed state."""
        with self._db.session() as session:
            resting = session.execute(
                select(SandboxOrder.id, SandboxOrder.user_id, SandboxOrder.exchange, SandboxOrder.symbol)
                .where(SandboxOrder.status.in_(OPEN_STATUSES))
                .order_by(SandboxOrder.id)
            ).all()
        quotes: dict[tuple[str, str], Quote | None] = {}
        changed = 0
        for order_id, user_id, exchange, symbol in resting:
            instrument = self._instruments().get(exchange, symbol)
            if (exchange, symbol) not in quotes:
                quotes[(exchange, symbol)] = self._quote_or_none(instrument)
            quote = quotes[(exchange, symbol)]
            with self.account_locks.hold(user_id), self._db.session() as session:
                row = session.get(SandboxOrder, order_id)
                if row is None or row.status not in OPEN_STATUSES:
                    continue
                before = (row.status, row.triggered)
                now = self._clock.now()
                if instrument is None:
                    row.status, row.reserved_margin, row.updated_at = "cancelled", 0.0, now
                    row.message = "The instrument is no longer in the master contract."
                elif quote is not None:
                    self._try_execute(session, row, instrument, quote, now)
                changed += (row.status, row.triggered) != before
        return changed

    def _quote_or_none(self, instrument: Instrument | None) -> Quote | None:
        if instrument is None:
            return None
        try:
            return self._market.quote(instrument)
        except Exception:
            log.exception("No quote for %s:%s; its orders wait", instrument.exchange, instrument.symbol)
            return None


def _earlier(row: SandboxOrder) -> str | _Rejection:
    if row.status == "rejected":
        return _Rejection(str(row.orderid), row.message)
    return str(row.orderid)


def _identifier(row_id: int, now: datetime) -> str:
    """OpenAlgo-style numeric ids: the IST date, then a sequence (unique, sortable)."""
    return f"{to_ist(now):%y%m%d}{row_id:09d}"


def _as_request(row: SandboxOrder) -> OrderRequest:
    return OrderRequest(
        symbol=row.symbol,
        exchange=row.exchange,
        action=row.action,
        quantity=row.quantity,
        pricetype=row.pricetype,
        product=row.product,
        price=row.price,
        trigger_price=row.trigger_price,
    )
