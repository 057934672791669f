"""Hosted Python strategies: the strategy row (settings, desired state, live run) and its variables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from database.models.base import Base, Timestamped, UtcDateTime


class PythonStrategy(Timestamped, Base):
    """One uploaded script and what the trader asked of it.

    ``desired_state`` is the trader's wish (running / stopped) and survives host restarts. The
    ``run_*`` columns describe the live process, so that a host restarted after a crash can
    recognise it (pid + process start time + per-run token) and adopt or kill it.
    """

    __tablename__ = "python_strategies"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    exchange: Mapped[str] = mapped_column(String(16), nullable=False, default="NSE")
    restart_on_crash: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    stop_signal: Mapped[str] = mapped_column(String(8), nullable=False, default="SIGTERM")
    memory_limit_mb: Mapped[int | None] = mapped_column(Integer, nullable=True)
    desired_state: Mapped[str] = mapped_column(String(16), nullable=False, default="stopped")
    last_started: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_stopped: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    exit_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    exit_signal: Mapped[str | None] = mapped_column(String(16), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    stop_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    run_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    run_pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    run_create_time: Mapped[float | None] = mapped_column(Float, nullable=True)
    run_log: Mapped[str | None] = mapped_column(String(100), nullable=True)


class PythonStrategyVariable(Base):
    """An environment variable of a strategy; secure values are stored Fernet-encrypted."""

    __tablename__ = "python_strategy_variables"
    __table_args__ = (UniqueConstraint("strategy_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[str] = mapped_column(
        ForeignKey("python_strategies.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    secure: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
