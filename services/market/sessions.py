"""Where a moment falls in an exchange's minute grid: trading days, session minutes, epoch times.

Candles exist only inside the regular session (``services.calendar.exchanges``) on its weekdays; exchange
holidays are the schedule issue's calendar and are ignored by the sandbox.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import numpy.typing as npt

from services.calendar.exchanges import session_for
from services.clock import to_ist

SECONDS_PER_DAY = 86_400
IST_OFFSET_S = 19_800  # IST is UTC+05:30 all year
UNIX_EPOCH = date(1970, 1, 1)
#: The simulated market begins here; earlier dates have no candles.
SIMULATION_START = date(2000, 1, 1)


def epoch_day(day: date) -> int:
    """Days since 1970-01-01 (the unit numpy's datetime64[D] counts in)."""
    return (day - UNIX_EPOCH).days


def date_of_epoch_day(value: int) -> date:
    return UNIX_EPOCH + timedelta(days=int(value))


@dataclass(frozen=True)
class Cursor:
    """A moment on the grid: the session ``day`` and seconds elapsed since its open.

    ``elapsed`` equals the session length once the day is over (or when ``day`` is the last
    finished session before a moment outside any session).
    """

    day: date
    elapsed: float

    def minute(self) -> int:
        return int(self.elapsed // 60)

    def fraction(self) -> float:
        return (self.elapsed % 60) / 60


@dataclass(frozen=True)
class SessionGrid:
    """The minute slots of one exchange's regular session."""

    open_s: int
    minutes: int
    weekdays: frozenset[int]

    @classmethod
    def for_exchange(cls, exchange: str) -> SessionGrid:
        session = session_for(exchange)
        open_s = session.open.hour * 3600 + session.open.minute * 60 + session.open.second
        close_s = session.close.hour * 3600 + session.close.minute * 60 + session.close.second
        return cls(open_s, math.ceil((close_s - open_s) / 60), session.weekdays)

    @property
    def length_s(self) -> int:
        return self.minutes * 60

    def is_trading_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day >= SIMULATION_START

    def trading_days(self, start: date, end: date) -> npt.NDArray[np.int64]:
        """Epoch days of the trading days in [start, end]."""
        first = max(start, SIMULATION_START)
        if end < first:
            return np.empty(0, dtype=np.int64)
        days = np.arange(epoch_day(first), epoch_day(end) + 1, dtype=np.int64)
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday (weekday 3)
        return days[np.isin(weekday, sorted(self.weekdays))]

    def previous_trading_day(self, day: date) -> date | None:
        for back in range(1, 8):
            candidate = day - timedelta(days=back)
            if self.is_trading_day(candidate):
                return candidate
        return None

    def open_epoch(self, day: date) -> int:
        """Epoch seconds of the session open on ``day``."""
        return epoch_day(day) * SECONDS_PER_DAY - IST_OFFSET_S + self.open_s

    def cursor(self, now: datetime) -> Cursor | None:
        """The session that is running at ``now``, or else the last one that finished before it."""
        local = to_ist(now)
        today = local.date()
        seconds = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        if self.is_trading_day(today) and seconds >= self.open_s:
            return Cursor(today, min(seconds - self.open_s, float(self.length_s)))
        previous = self.previous_trading_day(today)
        return None if previous is None else Cursor(previous, float(self.length_s))
