"""When a schedule runs, on the exchange calendar: its windows, the current one, the next start/stop.

Rules (the trader's view):

- A window starts at ``start`` on each listed day and ends at ``stop``; an overnight window
  (21:00–02:00) ends on the next day, even when that day is not listed: a window belongs to the
  day it starts on. A schedule without a stop has open-ended windows (runs until stopped).
- Unless ``ignore_holidays``, a listed day on which the exchange does not trade has no window.
- On a regular trading day the window is used as typed (a strategy may start before the open to
  warm up). On a day with a changed session (MCX's evening-only session on an NSE holiday, a
  Muhurat session) the window is cut to that day's sessions: an MCX 09:00–23:55 schedule runs
  17:00–23:55 on 2026-04-14, and a window that misses the special session has no run that day.

All datetimes returned are aware, in IST. Functions take ``now`` (any aware datetime); none reads
the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from services.calendar.exchange_calendar import ExchangeCalendar
from services.clock import IST, to_ist
from services.schedules.schedule import Schedule

#: How far to look for a next (or previous) run: more than a year of holidays and weekends.
HORIZON_DAYS = 400


@dataclass(frozen=True)
class Window:
    """One run of a schedule: from ``start`` to ``end`` (None: until stopped), belonging to ``day``."""

    day: date
    start: datetime
    end: datetime | None

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment and (self.end is None or moment < self.end)


def windows_on(schedule: Schedule, day: date, calendar: ExchangeCalendar) -> list[Window]:
    """The windows that start on ``day`` (none, one, or one per session on a changed day)."""
    raw = raw_window(schedule, day)
    if raw is None:
        return []
    if schedule.ignore_holidays or calendar.is_regular_day(schedule.exchange, day):
        return [raw]
    windows: list[Window] = []
    for opens, closes in calendar.session_on(schedule.exchange, day):
        session_start = _at(day, opens)
        session_end = _at(day, closes)
        start = max(raw.start, session_start)
        end = session_end if raw.end is None else min(raw.end, session_end)
        if start < end:
            # An open-ended window keeps running after the session: only its start moves.
            windows.append(Window(day, start, None if raw.end is None else end))
            if raw.end is None:
                break
    return windows


def raw_window(schedule: Schedule, day: date) -> Window | None:
    """The window of ``day`` by the clock alone (no calendar); None when the day is not listed."""
    if day.weekday() not in schedule.weekdays:
        return None
    start = _at(day, schedule.start)
    if schedule.stop is None:
        return Window(day, start, None)
    end_day = day + timedelta(days=1) if schedule.overnight else day
    return Window(day, start, _at(end_day, schedule.stop))


def current_window(schedule: Schedule, now: datetime, calendar: ExchangeCalendar) -> Window | None:
    """The window ``now`` falls in, or None. For a schedule without a stop: its latest start."""
    now = _ist(now)
    if schedule.stop is None:
        latest = last_start(schedule, now, calendar)
        return None if latest is None else Window(latest.date(), latest, None)
    for day in (now.date() - timedelta(days=1), now.date()):
        for window in windows_on(schedule, day, calendar):
            if window.contains(now):
                return window
    return None


def next_start(schedule: Schedule, now: datetime, calendar: ExchangeCalendar) -> datetime | None:
    """The first scheduled start strictly after ``now`` (None if none within a year)."""
    now = _ist(now)
    for offset in range(HORIZON_DAYS + 1):
        for window in windows_on(schedule, now.date() + timedelta(days=offset), calendar):
            if window.start > now:
                return window.start
    return None


def next_stop(schedule: Schedule, now: datetime, calendar: ExchangeCalendar) -> datetime | None:
    """The first scheduled stop strictly after ``now``: the end of the current window if inside
    one, else of the next window. None for a schedule without a stop time."""
    if schedule.stop is None:
        return None
    now = _ist(now)
    # Start one day back: yesterday's overnight window may still be open.
    for offset in range(-1, HORIZON_DAYS + 1):
        for window in windows_on(schedule, now.date() + timedelta(days=offset), calendar):
            if window.end is not None and window.end > now:
                return window.end
    return None


def last_start(schedule: Schedule, now: datetime, calendar: ExchangeCalendar) -> datetime | None:
    """The latest scheduled start at or before ``now`` (None if none within a year)."""
    now = _ist(now)
    for offset in range(HORIZON_DAYS + 1):
        starts = [
            window.start
            for window in windows_on(schedule, now.date() - timedelta(days=offset), calendar)
            if window.start <= now
        ]
        if starts:
            return max(starts)
    return None


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=IST)


def _ist(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        # A naive "now" is a bug at the caller (UTC or IST?); refusing beats guessing by 5:30.
        raise ValueError("the policy needs an aware datetime")
    return to_ist(moment)
