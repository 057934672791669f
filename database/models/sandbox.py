"""The sandbox broker's paper account: funds, orders, trades and positions of each user.

Every order is a row from the moment it is accepted (or rejected), so a restart loses nothing:
the matcher picks open orders up again from here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from database.models.base import Base, Timestamped, UtcDateTime, utcnow


class SandboxAccount(Timestamped, Base):
    """A user's paper account: its starting capital (P&L is booked on the positions)."""

    __tablename__ = "sandbox_accounts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    capital: Mapped[float] = mapped_column(Float, nullable=False)


class SandboxOrder(Timestamped, Base):
    """A paper order. ``reserved_margin`` is held while the order is open, released when it ends."""

    __tablename__ = "sandbox_orders"
    __table_args__ = (Index("ix_sandbox_orders_user_status", "user_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    orderid: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    strategy: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    exchange: Mapped[str] = mapped_column(String(16), nullable=False)
    symbol: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(4), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    pricetype: Mapped[str] = mapped_column(String(8), nullable=False)
    product: Mapped[str] = mapped_column(String(8), nullable=False)
    price: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    trigger_price: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    disclosed_quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: open | pending (stop not yet triggered) | complete | cancelled | rejected
    status: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    triggered: Mapped[bool] = mapped_column(nullable=False, default=False)
    filled_quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    average_price: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    reserved_margin: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    message: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    #: the order journal entry this order was placed for (the dispatcher's orders): unique, so a
    #: journal entry never produces two paper orders, and recovery can find what a crash left
    journal_id: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True, index=True)


class SandboxTrade(Timestamped, Base):
    """One fill of a paper order."""

    __tablename__ = "sandbox_trades"

    id: Mapped[int] = mapped_column(primary_key=True)
    tradeid: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    orderid: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    strategy: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    exchange: Mapped[str] = mapped_column(String(16), nullable=False)
    symbol: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(4), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    price: Mapped[float] = mapped_column(Float, nullable=False)
    product: Mapped[str] = mapped_column(String(8), nullable=False)


class SandboxPosition(Base):
    """Net position per symbol and product; ``margin`` is what it blocks from the funds."""

    __tablename__ = "sandbox_positions"
    __table_args__ = (UniqueConstraint("user_id", "exchange", "symbol", "product"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    exchange: Mapped[str] = mapped_column(String(16), nullable=False)
    symbol: Mapped[str] = mapped_column(String(64), nullable=False)
    product: Mapped[str] = mapped_column(String(8), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    average_price: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    realised_pnl: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    margin: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
