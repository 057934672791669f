"""Market data at rest: the downloaded master contract, its status, and imported OHLCV candles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from database.models.base import Base, UtcDateTime


class MasterContractSymbol(Base):
    """One instrument of the last successful master-contract download."""

    __tablename__ = "master_contract_symbols"
    __table_args__ = (UniqueConstraint("exchange", "symbol"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange: Mapped[str] = mapped_column(String(16), nullable=False)
    symbol: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    token: Mapped[str] = mapped_column(String(32), nullable=False)
    instrumenttype: Mapped[str] = mapped_column(String(16), nullable=False)
    lotsize: Mapped[int] = mapped_column(Integer, nullable=False)
    tick_size: Mapped[float] = mapped_column(Float, nullable=False)
    expiry: Mapped[str] = mapped_column(String(16), nullable=False, default="")


class MasterContractStatus(Base):
    """The single row describing the last master-contract download (survives restarts)."""

    __tablename__ = "master_contract_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    symbol_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class MarketCandle(Base):
    """An imported OHLCV candle (1m or D); the sandbox serves these instead of simulated prices."""

    __tablename__ = "market_candles"
    __table_args__ = (UniqueConstraint("exchange", "symbol", "interval", "ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange: Mapped[str] = mapped_column(String(16), nullable=False)
    symbol: Mapped[str] = mapped_column(String(64), nullable=False)
    interval: Mapped[str] = mapped_column(String(4), nullable=False)
    #: epoch seconds of the candle's start (D: the date at 00:00 UTC, OpenAlgo's daily stamp)
    ts: Mapped[int] = mapped_column(BigInteger, nullable=False)
    open: Mapped[float] = mapped_column(Float, nullable=False)
    high: Mapped[float] = mapped_column(Float, nullable=False)
    low: Mapped[float] = mapped_column(Float, nullable=False)
    close: Mapped[float] = mapped_column(Float, nullable=False)
    volume: Mapped[int] = mapped_column(BigInteger, nullable=False)
    oi: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
