"""The order journal: every order the host's order router placed, with where it came from.

One row per order the router sends (a plain or a smart order), whoever asked for it: ``source`` is
``api`` for ``/api/v1``, and the features that trade on a trader's behalf name themselves
(``webhook:<id>``, ``execution:<id>``); their orders go through the dispatcher, which writes the
row ``pending`` before anything is sent. Written only by ``services.orders.journal``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from database.models.base import Base, Timestamped, UtcDateTime, utcnow

#: sandbox: the host's paper broker · live: an upstream OpenAlgo server (real orders)
VENUES = ("sandbox", "live")
#: pending: written, not yet sent · placed: the broker took it (``orderid``) · skipped: a smart
#: order with nothing to do · rejected: refused by validation or the broker · failed: the broker
#: could not be reached · unknown: its fate could not be established after a crash.
JOURNAL_STATUSES = ("pending", "placed", "skipped", "rejected", "failed", "unknown")


class OrderJournalEntry(Timestamped, Base):
    __tablename__ = "order_journal"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'placed', 'skipped', 'rejected', 'failed', 'unknown')", name="status"
        ),
        CheckConstraint("kind IN ('order', 'smart')", name="kind"),
        CheckConstraint("venue IN ('sandbox', 'live')", name="venue"),
        Index("ix_order_journal_source_id", "source", "id"),
        Index("ix_order_journal_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    #: order: a plain order · smart: an order sized to reach ``position_size``
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    #: a smart exit sent only when the position is on this side (``long`` / ``short``): a
    #: ``long_exit`` signal must not close a short
    only_if: Mapped[str | None] = mapped_column(String(5), nullable=True)
    strategy: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    symbol: Mapped[str] = mapped_column(String(64), nullable=False)
    exchange: Mapped[str] = mapped_column(String(16), nullable=False)
    action: Mapped[str] = mapped_column(String(4), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    position_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pricetype: Mapped[str] = mapped_column(String(8), nullable=False)
    product: Mapped[str] = mapped_column(String(8), nullable=False)
    price: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    trigger_price: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    status: Mapped[str] = mapped_column(String(8), nullable=False)
    orderid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    message: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    #: where the order went (``VENUES``)
    venue: Mapped[str] = mapped_column(String(8), nullable=False)
    #: the host (``HostIdentity.id``) that queued a pending entry in its dispatcher; NULL for
    #: orders the router sent at once (/api/v1)
    dispatcher: Mapped[str | None] = mapped_column(String(200), nullable=True)
