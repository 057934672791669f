"""When an intraday strategy may act: entries within [start, end], exits within [start, square-off],
on the trading days of its exchange (IST clock and the exchange calendar; a holiday takes no entry).

Minutes are whole: with ``end_time`` 15:00 an entry at 15:00:40 is still inside.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from services.calendar.exchange_calendar import ExchangeCalendar
from services.calendar.timefmt import format_hhmm
from services.clock import to_ist


@dataclass(frozen=True)
class TradingWindow:
    start: time
    end: time
    squareoff: time


def closed_reason(
    window: TradingWindow | None, exchange: str, calendar: ExchangeCalendar, now: datetime, *, is_entry: bool
) -> str | None:
    """Why an alert at ``now`` is ignored, or None when it may act. ``window`` None: not intraday
    (positional strategies act whenever an alert comes; the broker judges the market hours)."""
    if window is None:
        return None
    local = to_ist(now)
    closed = calendar.reason_closed(exchange, local.date())
    if closed is not None:
        return f"{closed}: no {'entries' if is_entry else 'exits'} today."
    minute = local.time().replace(second=0, microsecond=0)
    last = window.end if is_entry else window.squareoff
    if minute < window.start:
        return f"Before the strategy's start time {format_hhmm(window.start)} IST."
    if minute > last:
        if is_entry:
            return f"After the strategy's end time {format_hhmm(last)} IST: no new entries."
        return f"After the strategy's square-off time {format_hhmm(last)} IST."
    return None
