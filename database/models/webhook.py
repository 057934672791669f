"""What reached a strategy's webhook: every delivery (recorded before it is acted on) and the keys
that make a repeated alert a duplicate instead of a second position."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, PrimaryKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from database.models.base import Base, UtcDateTime

#: received: recorded, not yet acted on · accepted: its orders went to the dispatcher ·
#: duplicate: a repeat of ``duplicate_of`` · ignored: outside the trading window (a no-op) ·
#: rejected: refused (malformed, unmapped symbol, forbidden by the mode, inactive strategy)
DELIVERY_RESULTS = ("received", "accepted", "duplicate", "ignored", "rejected")


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(
            "result IN ('received', 'accepted', 'duplicate', 'ignored', 'rejected')", name="result"
        ),
        Index("ix_webhook_deliveries_strategy_id_id", "strategy_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategies.id", ondelete="CASCADE"), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    #: the sender's address, or ``square-off`` for the host's own square-off
    sender: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    #: the host (``HostIdentity.id``) that recorded it: a delivery left ``received`` is taken
    #: over by a retry only when that host is this one or provably gone
    host: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    #: JSON object of the headers that matter (content type, user agent, idempotency key)
    headers: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    result: Mapped[str] = mapped_column(String(10), nullable=False)
    message: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    duplicate_of: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: JSON list of the order-journal ids this delivery produced
    order_ids: Mapped[str] = mapped_column(Text, nullable=False, default="[]")


class WebhookDedupeKey(Base):
    """A key that marks later deliveries as duplicates until ``expires_at``: an explicit
    idempotency key (24 h) or the digest of a body (``WEBHOOK_DEDUPE_SECONDS``). The primary key
    makes two hosts racing on one alert agree on a single first delivery."""

    __tablename__ = "webhook_dedupe_keys"
    __table_args__ = (PrimaryKeyConstraint("strategy_id", "key"),)

    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategies.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(String(100), nullable=False)
    delivery_id: Mapped[int] = mapped_column(Integer, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, index=True)
