"""The order journal: a row for every order the router sends, with its source and its fate.

``record`` writes one finished entry (the caller waited for the broker's answer, so it already
knows the fate). ``open_many`` and ``settle`` are the two halves for callers that must not lose an
order across a crash (the dispatcher): the entries are ``pending`` before the broker is asked, and
``settle`` moves an entry out of ``pending`` once only. ``pending`` and ``adopt`` serve recovery:
which entries a stopped host left, and taking them over with one conditional UPDATE.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from database.engine import Database
from database.models.orders import OrderJournalEntry
from services.broker.types import OrderRequest
from services.clock import Clock

MESSAGE_MAX = 255
PENDING = "pending"
SANDBOX, LIVE = "sandbox", "live"


@dataclass(frozen=True)
class JournalEntry:
    id: int
    source: str
    account: int
    kind: str
    order: OrderRequest
    position_size: int | None
    status: str
    orderid: str | None
    message: str
    created_at: datetime
    #: where the order goes: ``sandbox`` or ``live``
    venue: str = SANDBOX
    #: the host (``HostIdentity.id``) that dispatches it; None for /api/v1 orders
    dispatcher: str | None = None
    #: a smart exit sent only when the position is on this side (``long`` / ``short``)
    only_if: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What became of an order: a journal status, the broker's order id, a sentence."""

    status: str
    orderid: str | None = None
    message: str = ""


class OrderJournal:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def open_many(
        self,
        source: str,
        account: int,
        orders: Sequence[tuple[OrderRequest, int | None]],
        *,
        venue: str,
        dispatcher: str,
        conditions: Sequence[str | None] | None = None,
        also: Callable[[Session, list[int]], None] | None = None,
    ) -> list[int]:
        """``pending`` entries for orders about to be sent (``(order, position_size)`` each, and
        each one's ``only_if`` condition), in one transaction; returns their ids in order.
        ``also(session, ids)`` writes what the caller records about these orders in the same
        transaction (a webhook delivery's order ids: one commit, and never one without the other)."""
        now = self._clock.now()
        rows = [
            _row(source, account, order, size, Outcome(PENDING), venue=venue, now=now, dispatcher=dispatcher)
            for order, size in orders
        ]
        for row, condition in zip(rows, conditions or [None] * len(rows), strict=True):
            row.only_if = condition
        with self._db.session() as session:
            session.add_all(rows)
            session.flush()
            ids = [row.id for row in rows]
            if also is not None:
                also(session, ids)
            return ids

    def settle(self, entry_id: int, outcome: Outcome) -> JournalEntry | None:
        """Give a ``pending`` entry its fate; returns the settled entry (None when the entry is
        not pending: another host settled it first)."""
        with self._db.session() as session:
            result = session.execute(
                update(OrderJournalEntry)
                .where(OrderJournalEntry.id == entry_id, OrderJournalEntry.status == PENDING)
                .values(
                    status=outcome.status,
                    orderid=outcome.orderid,
                    message=outcome.message[:MESSAGE_MAX],
                    updated_at=self._clock.now(),
                )
            )
            if not getattr(result, "rowcount", 0):
                return None
            row = session.get(OrderJournalEntry, entry_id)
            return None if row is None else _entry(row)

    def record(
        self,
        source: str,
        account: int,
        order: OrderRequest,
        position_size: int | None,
        outcome: Outcome,
        *,
        venue: str,
    ) -> int:
        """One finished entry (the broker has already answered)."""
        row = _row(
            source,
            account,
            order,
            position_size,
            outcome,
            venue=venue,
            now=self._clock.now(),
            dispatcher=None,
        )
        with self._db.session() as session:
            session.add(row)
            session.flush()
            return row.id

    def pending(self, *, excluding: str | None = None) -> list[JournalEntry]:
        """The pending entries in id order, except those ``excluding`` (a dispatcher) holds."""
        query = select(OrderJournalEntry).where(OrderJournalEntry.status == PENDING)
        if excluding is not None:
            query = query.where(
                (OrderJournalEntry.dispatcher != excluding) | OrderJournalEntry.dispatcher.is_(None)
            )
        with self._db.session() as session:
            return [_entry(row) for row in session.scalars(query.order_by(OrderJournalEntry.id))]

    def adopt(self, entry_ids: Sequence[int], previous: str | None, dispatcher: str) -> list[JournalEntry]:
        """Take over the entries of ``entry_ids`` that are still pending with ``previous`` as
        their dispatcher; returns those now held by ``dispatcher``, in id order. One conditional
        UPDATE: of two hosts adopting at once, each entry goes to one."""
        if not entry_ids:
            return []
        was = (
            OrderJournalEntry.dispatcher.is_(None)
            if previous is None
            else OrderJournalEntry.dispatcher == previous
        )
        with self._db.session() as session:
            session.execute(
                update(OrderJournalEntry)
                .where(OrderJournalEntry.id.in_(entry_ids), OrderJournalEntry.status == PENDING, was)
                .values(dispatcher=dispatcher)
            )
            rows = session.scalars(
                select(OrderJournalEntry)
                .where(
                    OrderJournalEntry.id.in_(entry_ids),
                    OrderJournalEntry.status == PENDING,
                    OrderJournalEntry.dispatcher == dispatcher,
                )
                .order_by(OrderJournalEntry.id)
            )
            return [_entry(row) for row in rows]

    def held_by(self, entry_id: int, dispatcher: str) -> bool:
        """Whether ``entry_id`` is still pending and dispatched by ``dispatcher``."""
        with self._db.session() as session:
            found = session.scalar(
                select(OrderJournalEntry.id).where(
                    OrderJournalEntry.id == entry_id,
                    OrderJournalEntry.status == PENDING,
                    OrderJournalEntry.dispatcher == dispatcher,
                )
            )
            return found is not None

    def entries(self, source: str | None = None, limit: int = 100) -> list[JournalEntry]:
        """The newest entries first, of one ``source`` or of all."""
        query = select(OrderJournalEntry).order_by(OrderJournalEntry.id.desc()).limit(limit)
        if source is not None:
            query = query.where(OrderJournalEntry.source == source)
        with self._db.session() as session:
            return [_entry(row) for row in session.scalars(query)]

    def get(self, entry_ids: Sequence[int]) -> list[JournalEntry]:
        with self._db.session() as session:
            rows = session.scalars(select(OrderJournalEntry).where(OrderJournalEntry.id.in_(entry_ids)))
            return sorted((_entry(row) for row in rows), key=lambda entry: entry.id)


def _row(
    source: str,
    account: int,
    order: OrderRequest,
    position_size: int | None,
    outcome: Outcome,
    *,
    venue: str,
    now: datetime,
    dispatcher: str | None,
) -> OrderJournalEntry:
    return OrderJournalEntry(
        source=source,
        user_id=account,
        kind="order" if position_size is None else "smart",
        strategy=order.strategy,
        symbol=order.symbol,
        exchange=order.exchange,
        action=order.action,
        quantity=order.quantity,
        position_size=position_size,
        pricetype=order.pricetype,
        product=order.product,
        price=order.price,
        trigger_price=order.trigger_price,
        status=outcome.status,
        orderid=outcome.orderid,
        message=outcome.message[:MESSAGE_MAX],
        created_at=now,
        updated_at=now,
        venue=venue,
        dispatcher=dispatcher,
    )


def _entry(row: OrderJournalEntry) -> JournalEntry:
    order = OrderRequest(
        symbol=row.symbol,
        exchange=row.exchange,
        action=row.action,
        quantity=row.quantity,
        pricetype=row.pricetype,
        product=row.product,
        price=row.price,
        trigger_price=row.trigger_price,
        strategy=row.strategy,
    )
    return JournalEntry(
        id=row.id,
        source=row.source,
        account=row.user_id,
        kind=row.kind,
        order=order,
        position_size=row.position_size,
        status=row.status,
        orderid=row.orderid,
        message=row.message,
        created_at=row.created_at,
        venue=row.venue,
        dispatcher=row.dispatcher,
        only_if=row.only_if,
    )
