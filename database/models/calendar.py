"""The exchange calendar: which years are loaded, and each holiday or special session by day.

A year row records where its list came from (the project's shipped file or a trader's import) and
a digest of its content; deleting a year deletes its days. Rows are written only by
``services.calendar.store`` and read into an immutable ``ExchangeCalendar``.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Time
from sqlalchemy.orm import Mapped, mapped_column

from database.models.base import Base, UtcDateTime

#: ``source`` of a year loaded from the project's data/calendar/ files (re-synced when they change).
SOURCE_SHIPPED = "shipped"
#: ``source`` of a year the trader imported (never overwritten by shipped data).
SOURCE_IMPORTED = "imported"


class CalendarYear(Base):
    """One loaded year of the exchange calendar."""

    __tablename__ = "calendar_years"
    __table_args__ = (CheckConstraint("source IN ('shipped', 'imported')", name="source"),)

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class CalendarDay(Base):
    """A trading holiday, settlement holiday or special session of one exchange on one date."""

    __tablename__ = "calendar_days"
    __table_args__ = (
        CheckConstraint("kind IN ('trading_holiday', 'settlement_holiday', 'special_session')", name="kind"),
        # Session times belong to special sessions, and every special session has both.
        CheckConstraint(
            "(kind = 'special_session') = (session_open IS NOT NULL AND session_close IS NOT NULL)",
            name="session_times",
        ),
        Index("ix_calendar_days_exchange_day", "exchange", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(
        ForeignKey("calendar_years.year", ondelete="CASCADE"), nullable=False, index=True
    )
    exchange: Mapped[str] = mapped_column(String(16), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    description: Mapped[str] = mapped_column(String(200), nullable=False)
    session_open: Mapped[time | None] = mapped_column(Time, nullable=True)
    session_close: Mapped[time | None] = mapped_column(Time, nullable=True)
