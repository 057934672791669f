"""Strategies reached from outside (``/strategy``): the ``strategies`` table and its symbol mappings.

One table holds both kinds the seed describes (``strategy_type``: ``webhook`` — TradingView alerts
turned into orders by trading mode — and ``custom``, a ``BaseStrategy`` subclass run by the
execution room; its columns are the seed's extension, migration 0011). The webhook id is a credential: only
its digest (for lookup) and a Fernet-encrypted copy (to show the admin) are stored, like the API key.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from database.models.base import Base, Timestamped, UtcDateTime, utcnow


class TradingStrategy(Timestamped, Base):
    __tablename__ = "strategies"
    __table_args__ = (
        CheckConstraint("strategy_type IN ('webhook', 'custom')", name="strategy_type"),
        CheckConstraint("trading_mode IN ('LONG', 'SHORT', 'BOTH')", name="trading_mode"),
        CheckConstraint("trading_venue IN ('sandbox', 'live')", name="trading_venue"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    exchange: Mapped[str] = mapped_column(String(16), nullable=False, default="NSE")
    webhook_digest: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    webhook_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    strategy_type: Mapped[str] = mapped_column(String(8), nullable=False, default="webhook")
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    trading_mode: Mapped[str] = mapped_column(String(5), nullable=False, default="LONG")
    is_intraday: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    #: IST ``HH:MM``; set when ``is_intraday``
    start_time: Mapped[str | None] = mapped_column(String(5), nullable=True)
    end_time: Mapped[str | None] = mapped_column(String(5), nullable=True)
    squareoff_time: Mapped[str | None] = mapped_column(String(5), nullable=True)
    trading_venue: Mapped[str] = mapped_column(String(8), nullable=False, default="sandbox")
    #: the IST trading day whose square-off ran (a square-off missed while the host was down
    #: runs at the next start while the session is still open)
    last_squareoff_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The seed's extension for custom strategies (migration 0011).
    #: path relative to ``custom_strategies/`` (``examples/ema_crossover.py``)
    strategy_file: Mapped[str | None] = mapped_column(String(255), nullable=True)
    strategy_class: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: JSON object: the strategy's parameters
    strategy_config: Mapped[str] = mapped_column(Text, nullable=False, default="{}", server_default="{}")
    execution_mode: Mapped[str] = mapped_column(
        String(10), nullable=False, default="immediate", server_default="immediate"
    )
    #: JSON object ``{interval, session_only}`` or NULL
    schedule_config: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: JSON object ``{timeout_s, memory_mb}`` (empty: the host's defaults)
    limits: Mapped[str] = mapped_column(Text, nullable=False, default="{}", server_default="{}")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)


class SymbolMapping(Timestamped, Base):
    """A symbol a strategy trades: how many and with which product."""

    __tablename__ = "strategy_symbol_mappings"
    __table_args__ = (
        UniqueConstraint("strategy_id", "symbol", "exchange"),
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("product IN ('MIS', 'CNC', 'NRML')", name="product"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(
        ForeignKey("strategies.id", ondelete="CASCADE"), nullable=False, index=True
    )
    symbol: Mapped[str] = mapped_column(String(64), nullable=False)
    exchange: Mapped[str] = mapped_column(String(16), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    product: Mapped[str] = mapped_column(String(4), nullable=False)
