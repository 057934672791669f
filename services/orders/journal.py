"""The order journal: a row for every order the router sends, with its source and its fate.

``record`` writes one finished entry (the caller waited for the broker's answer, so it already
knows the fate). ``open`` and ``settle`` are the two halves for callers that must not lose an
order across a crash: the entry is ``pending`` before the broker is asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from database.engine import Database
from database.models.orders import OrderJournalEntry
from services.broker.types import OrderRequest
from services.clock import Clock

MESSAGE_MAX = 255


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

    def open(self, source: str, account: int, order: OrderRequest, position_size: int | None = None) -> int:
        """A ``pending`` entry for an order about to be sent; returns its id."""
        return self._insert(source, account, order, position_size, Outcome("pending"))

    def settle(self, entry_id: int, outcome: Outcome) -> None:
        with self._db.session() as session:
            row = session.get(OrderJournalEntry, entry_id)
            if row is None:
                return
            row.status, row.orderid = outcome.status, outcome.orderid
            row.message = outcome.message[:MESSAGE_MAX]
            row.updated_at = self._clock.now()

    def record(
        self, source: str, account: int, order: OrderRequest, position_size: int | None, outcome: Outcome
    ) -> int:
        """One finished entry (the broker has already answered)."""
        return self._insert(source, account, order, position_size, outcome)

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

    def _insert(
        self, source: str, account: int, order: OrderRequest, position_size: int | None, outcome: Outcome
    ) -> int:
        now = self._clock.now()
        row = OrderJournalEntry(
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
        )
        with self._db.session() as session:
            session.add(row)
            session.flush()
            return row.id


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
    )
