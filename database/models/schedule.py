"""A hosted strategy's schedule and the trader's latest manual start or stop.

One row per strategy (deleted with it: ON DELETE CASCADE). The schedule columns are all set or
all empty (a strategy that was started or stopped by hand has a row without a schedule).
``window_started`` is the start of the schedule window the scheduler has already taken care of,
so a window is started once: a strategy that crashed or ended inside its window is not started
again until the next window, even across host restarts. Written only by
``services.schedules.plans``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from database.models.base import Base, UtcDateTime


class PythonStrategySchedule(Base):
    """When a strategy runs (IST ``HH:MM`` times, days ``mon,tue,...``) and its manual override."""

    __tablename__ = "python_strategy_schedules"
    __table_args__ = (
        CheckConstraint(
            "(schedule_start IS NULL) = (schedule_days IS NULL)"
            " AND (schedule_start IS NULL) = (exchange IS NULL)",
            name="schedule_complete",
        ),
        CheckConstraint("schedule_stop IS NULL OR schedule_start IS NOT NULL", name="stop_needs_start"),
        CheckConstraint("manual_action IS NULL OR manual_action IN ('start', 'stop')", name="manual_action"),
        CheckConstraint("(manual_action IS NULL) = (manual_at IS NULL)", name="manual_complete"),
    )

    strategy_id: Mapped[str] = mapped_column(
        ForeignKey("python_strategies.id", ondelete="CASCADE"), primary_key=True
    )
    schedule_start: Mapped[str | None] = mapped_column(String(5), nullable=True)
    schedule_stop: Mapped[str | None] = mapped_column(String(5), nullable=True)
    schedule_days: Mapped[str | None] = mapped_column(String(27), nullable=True)
    exchange: Mapped[str | None] = mapped_column(String(16), nullable=True)
    ignore_holidays: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    manual_action: Mapped[str | None] = mapped_column(String(8), nullable=True)
    manual_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    window_started: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
