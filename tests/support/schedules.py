"""Helpers for schedule and calendar tests: the shipped 2026 calendar and IST moments."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from services.calendar.exchange_calendar import ExchangeCalendar
from services.calendar.year_file import SHIPPED_DIR, read_calendar_file
from services.clock import IST

SHIPPED_2026 = SHIPPED_DIR / "2026.json"


def calendar_from(path: Path = SHIPPED_2026) -> ExchangeCalendar:
    data = read_calendar_file(path)
    return ExchangeCalendar(data.entries, [data.year])


def ist(year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, second: int = 0) -> datetime:
    """An aware moment in IST, as the trader reads the clock."""
    return datetime(year, month, day, hour, minute, second, tzinfo=IST)
