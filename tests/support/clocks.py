"""Clocks for tests: the real clock shifted to a chosen IST moment, and how to pick such moments
relative to now so a test means the same at any hour of any day."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from services.clock import IST
from tests.support.schedules import calendar_from


class ShiftedClock:
    """The real clock, shifted to a chosen IST moment: for a live app whose threads (supervisor,
    scheduler loop) must run in real time while the test decides what time the trader sees.
    Monotonic time is the real one, so grace periods and timeouts behave as in production."""

    def __init__(self, moment: datetime) -> None:
        self._offset = timedelta(0)
        self.set(moment)

    def set(self, moment: datetime) -> None:
        self._offset = moment - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def monotonic(self) -> float:
        return time.monotonic()


SATURDAY = 5


def next_weekday_at(weekday: int, hour: int, minute: int = 0, now: datetime | None = None) -> datetime:
    """The first IST moment after ``now`` (the real now when omitted) on ``weekday`` (Monday = 0)
    at ``hour:minute``."""
    local = (now or datetime.now(UTC)).astimezone(IST)
    moment = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    moment += timedelta(days=(weekday - local.weekday()) % 7)
    if moment <= local:
        moment += timedelta(days=7)
    return moment


def next_trading_moment(
    hour: int, minute: int = 0, exchange: str = "NSE", now: datetime | None = None
) -> datetime:
    """The first IST moment after ``now`` at ``hour:minute`` on a trading day of ``exchange`` (by
    the shipped exchange calendar; a year it does not hold trades Monday to Friday)."""
    calendar = calendar_from()
    local = (now or datetime.now(UTC)).astimezone(IST)
    moment = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if moment <= local:
        moment += timedelta(days=1)
    while not calendar.is_trading_day(exchange, moment.date()):
        moment += timedelta(days=1)
    return moment
