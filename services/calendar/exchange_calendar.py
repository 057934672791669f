"""The exchange calendar: which days an exchange trades and its sessions on each, in IST.

The regular session comes from ``services.calendar.exchanges``; the calendar's entries change single days:

- ``trading_holiday``: the regular session is removed (the exchange is closed that day, unless a
  special session of the same day opens it, e.g. MCX's evening session on an NSE holiday);
- ``settlement_holiday``: clearing is closed, trading is not: the day trades as usual;
- ``special_session``: an extra session (open–close) on that day: Muhurat trading on a Sunday,
  MCX's evening-only session on a holiday, or the morning-only session on New Year's Day.

The calendar is an immutable value built once from entries (the database or a data file), so the
policy can ask it anything from any thread without locks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta
from enum import StrEnum
from types import MappingProxyType

from services.calendar.exchanges import session_for
from services.calendar.timefmt import DAY_TITLES, format_hhmm

#: How far next_trading_day looks ahead before giving up (no exchange closes for a year).
SEARCH_DAYS = 400

Session = tuple[time, time]


class EntryKind(StrEnum):
    TRADING_HOLIDAY = "trading_holiday"
    SETTLEMENT_HOLIDAY = "settlement_holiday"
    SPECIAL_SESSION = "special_session"


@dataclass(frozen=True)
class CalendarEntry:
    """One change to one exchange's day. ``open``/``close`` are set for special sessions only."""

    exchange: str
    day: date
    kind: EntryKind
    description: str
    open: time | None = None
    close: time | None = None

    def __post_init__(self) -> None:
        is_session = self.kind is EntryKind.SPECIAL_SESSION
        if is_session != (self.open is not None and self.close is not None):
            raise ValueError("special sessions, and only they, have open and close times")
        if self.open is not None and self.close is not None and not self.open < self.close:
            raise ValueError("a session closes after it opens, on the same day")


class ExchangeCalendar:
    """Trading days and sessions per exchange; CRYPTO (no entries, every day open) always trades."""

    def __init__(self, entries: Iterable[CalendarEntry] = (), years: Iterable[int] = ()) -> None:
        by_day: dict[tuple[str, date], list[CalendarEntry]] = {}
        for entry in entries:
            by_day.setdefault((entry.exchange.upper(), entry.day), []).append(entry)
        self._by_day = MappingProxyType({key: tuple(items) for key, items in by_day.items()})
        self._entries = tuple(entry for items in self._by_day.values() for entry in items)
        #: Years whose holiday list is loaded; a day outside them trades on the regular session.
        self.years = frozenset(years) | frozenset(entry.day.year for entry in self._entries)

    @property
    def entries(self) -> tuple[CalendarEntry, ...]:
        return self._entries

    def has_year(self, year: int) -> bool:
        """False when no holiday list is loaded for ``year`` (then only weekends close)."""
        return year in self.years

    def entries_on(self, exchange: str, day: date) -> tuple[CalendarEntry, ...]:
        return self._by_day.get((_code(exchange), day), ())

    def session_on(self, exchange: str, day: date) -> list[Session]:
        """The sessions (open, close) IST of ``exchange`` on ``day``, in order; [] when closed."""
        code = _code(exchange)
        entries = self.entries_on(code, day)
        regular = session_for(code)
        sessions: list[Session] = []
        holiday = any(entry.kind is EntryKind.TRADING_HOLIDAY for entry in entries)
        if day.weekday() in regular.weekdays and not holiday:
            sessions.append((regular.open, regular.close))
        sessions.extend(
            (entry.open, entry.close)
            for entry in entries
            if entry.kind is EntryKind.SPECIAL_SESSION and entry.open is not None and entry.close is not None
        )
        return _merged(sessions)

    def is_trading_day(self, exchange: str, day: date) -> bool:
        """True when ``exchange`` has any session on ``day`` (a settlement holiday trades)."""
        return bool(self.session_on(exchange, day))

    def is_regular_day(self, exchange: str, day: date) -> bool:
        """True when ``day`` trades exactly its regular session (no holiday, no special session)."""
        if not self.is_trading_day(exchange, day):
            return False
        return not any(
            entry.kind is not EntryKind.SETTLEMENT_HOLIDAY for entry in self.entries_on(exchange, day)
        )

    def reason_closed(self, exchange: str, day: date) -> str | None:
        """Why ``exchange`` does not trade on ``day`` ("NSE holiday: Good Friday"), None if it does."""
        if self.is_trading_day(exchange, day):
            return None
        code = _code(exchange)
        holiday = self._first(code, day, EntryKind.TRADING_HOLIDAY)
        if holiday is not None:
            return f"{code} holiday: {holiday.description}"
        return f"{code} closed on {DAY_TITLES[day.weekday()]}"

    def note_on(self, exchange: str, day: date) -> str | None:
        """What is special about a day that trades ("MCX holiday: ... (open 17:00–23:55 IST only)").

        None on a regular day and on a closed day (``reason_closed`` explains those).
        """
        sessions = self.session_on(exchange, day)
        if not sessions:
            return None
        code = _code(exchange)
        hours = ", ".join(f"{format_hhmm(start)}–{format_hhmm(end)}" for start, end in sessions)
        holiday = self._first(code, day, EntryKind.TRADING_HOLIDAY)
        special = self._first(code, day, EntryKind.SPECIAL_SESSION)
        if holiday is not None:
            return f"{code} holiday: {holiday.description} (open {hours} IST only)"
        if special is not None:
            return f"{code} special session: {special.description} ({hours} IST)"
        settlement = self._first(code, day, EntryKind.SETTLEMENT_HOLIDAY)
        if settlement is not None:
            return f"{code} settlement holiday (trading as usual): {settlement.description}"
        return None

    def next_trading_day(self, exchange: str, day: date) -> date:
        """The first day after ``day`` on which ``exchange`` trades."""
        for offset in range(1, SEARCH_DAYS + 1):
            candidate = day + timedelta(days=offset)
            if self.is_trading_day(exchange, candidate):
                return candidate
        raise ValueError(f"{_code(exchange)} has no trading day within {SEARCH_DAYS} days of {day}")

    def entries_in_year(self, year: int) -> list[CalendarEntry]:
        """Every entry of ``year``, by date then exchange (for listings and the database)."""
        chosen = [entry for entry in self._entries if entry.day.year == year]
        return sorted(chosen, key=lambda entry: (entry.day, entry.exchange, entry.kind.value))

    def _first(self, exchange: str, day: date, kind: EntryKind) -> CalendarEntry | None:
        return next((entry for entry in self.entries_on(exchange, day) if entry.kind is kind), None)


def _code(exchange: str) -> str:
    code = exchange.strip().upper()
    session_for(code)  # KeyError for an unknown exchange: a typo must not read as "always open"
    return code


def _merged(sessions: list[Session]) -> list[Session]:
    """Sorted sessions with overlapping or touching ones joined."""
    merged: list[Session] = []
    for start, end in sorted(sessions):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
