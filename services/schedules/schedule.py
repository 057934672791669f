"""A strategy's schedule and the validation of what the trader sends to set one.

A schedule says: start at ``start`` (IST) on each of ``days``, stop at ``stop`` (or never, when
``stop`` is None: it then runs until stopped). A window belongs to the day it starts on, so an
overnight window (stop earlier than start, e.g. 21:00–02:00) stops on the next day even when that
day is not in ``days``. Unless ``ignore_holidays`` is set, the exchange calendar decides whether a
listed day really trades.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any

from services.calendar.exchanges import STRATEGY_EXCHANGES
from services.calendar.timefmt import DAY_NAMES, format_hhmm, parse_hhmm
from services.errors import InvalidInput

DEFAULT_EXCHANGE = "NSE"

#: Keys of the JSON body of ``POST /python/schedule/<id>``.
START_KEY = "schedule_start"
STOP_KEY = "schedule_stop"
DAYS_KEY = "schedule_days"
EXCHANGE_KEY = "exchange"
IGNORE_HOLIDAYS_KEY = "ignore_holidays"


@dataclass(frozen=True)
class Schedule:
    """When a strategy runs. Build it with ``parse_schedule`` (it validates); fields are IST."""

    start: time
    stop: time | None
    days: frozenset[str]
    exchange: str = DEFAULT_EXCHANGE
    ignore_holidays: bool = False

    def __post_init__(self) -> None:
        # Guards for code that builds a Schedule directly (e.g. from the database): the same
        # rules as parse_schedule, so an invalid schedule cannot exist at all.
        if not self.days or not self.days <= set(DAY_NAMES):
            raise ValueError(f"days must be a non-empty subset of {', '.join(DAY_NAMES)}")
        if self.stop == self.start:
            raise ValueError("start and stop must differ")
        if self.exchange not in STRATEGY_EXCHANGES:
            raise ValueError(f"unknown exchange {self.exchange!r}")
        if (
            self.start.second
            or self.start.microsecond
            or (self.stop is not None and (self.stop.second or self.stop.microsecond))
        ):
            raise ValueError("schedule times are whole minutes")

    @property
    def weekdays(self) -> frozenset[int]:
        """``days`` as ``date.weekday()`` numbers (Monday = 0)."""
        return frozenset(DAY_NAMES.index(day) for day in self.days)

    @property
    def overnight(self) -> bool:
        """True when the window ends on the day after it starts (stop earlier than start)."""
        return self.stop is not None and self.stop < self.start

    def ordered_days(self) -> list[str]:
        return [day for day in DAY_NAMES if day in self.days]

    def to_payload(self) -> dict[str, Any]:
        """The JSON form ``parse_schedule`` reads back (also what the status page shows)."""
        return {
            START_KEY: format_hhmm(self.start),
            STOP_KEY: None if self.stop is None else format_hhmm(self.stop),
            DAYS_KEY: self.ordered_days(),
            EXCHANGE_KEY: self.exchange,
            IGNORE_HOLIDAYS_KEY: self.ignore_holidays,
        }

    def cron_start(self) -> dict[str, str | int]:
        """APScheduler ``CronTrigger`` fields (use with ``timezone=IST``) firing at every listed
        day's start. The job only asks the policy, which applies the calendar; starts moved by a
        changed session (MCX evening-only, Muhurat) come from ``windows.next_start`` instead."""
        return {
            "day_of_week": ",".join(self.ordered_days()),
            "hour": self.start.hour,
            "minute": self.start.minute,
        }

    def cron_stop(self) -> dict[str, str | int] | None:
        """``CronTrigger`` fields of the stop (None: runs until stopped). An overnight window stops
        on the day after each listed day, whether or not that day is listed."""
        if self.stop is None:
            return None
        shift = 1 if self.overnight else 0
        days = sorted((DAY_NAMES.index(day) + shift) % 7 for day in self.days)
        return {
            "day_of_week": ",".join(DAY_NAMES[day] for day in days),
            "hour": self.stop.hour,
            "minute": self.stop.minute,
        }

    def describe(self) -> str:
        """``09:15–15:30 IST mon–fri on NSE``-like text for logs and events."""
        stop = "until stopped" if self.stop is None else f"–{format_hhmm(self.stop)}"
        calendar = ", ignoring holidays" if self.ignore_holidays else ""
        return (
            f"{format_hhmm(self.start)}{stop} IST on {','.join(self.ordered_days())} "
            f"({self.exchange}{calendar})"
        )


def parse_schedule(payload: object, *, default_exchange: str = DEFAULT_EXCHANGE) -> Schedule:
    """Validate the trader's schedule; InvalidInput names every bad field at once.

    ``payload`` is the decoded JSON body: ``schedule_start`` ("HH:MM", required),
    ``schedule_stop`` ("HH:MM" or null: runs until stopped), ``schedule_days`` (non-empty list of
    mon..sun, any case, duplicates collapse), ``exchange`` (optional, ``default_exchange`` when
    absent) and ``ignore_holidays`` (optional JSON boolean, default false). Nothing is changed by
    the caller until this returns, so an invalid request leaves the old schedule in force.
    """
    if not isinstance(payload, Mapping):
        raise InvalidInput("The schedule must be a JSON object.", fields={"schedule": "expected an object"})
    problems: dict[str, str] = {}

    start = _time_field(payload, START_KEY, problems, required=True)
    stop = _time_field(payload, STOP_KEY, problems, required=False)
    if start is not None and stop is not None and start == stop:
        problems[STOP_KEY] = "The stop time must differ from the start time."
    days = _days_field(payload, problems)
    exchange = _exchange_field(payload, default_exchange, problems)
    ignore_holidays = payload.get(IGNORE_HOLIDAYS_KEY, False)
    if not isinstance(ignore_holidays, bool):
        problems[IGNORE_HOLIDAYS_KEY] = "Use true or false."

    if problems or start is None or days is None or exchange is None:
        raise InvalidInput(
            "The schedule was not changed: please correct the highlighted fields.", fields=problems
        )
    return Schedule(
        start=start, stop=stop, days=days, exchange=exchange, ignore_holidays=bool(ignore_holidays)
    )


def _time_field(
    payload: Mapping[str, Any], key: str, problems: dict[str, str], *, required: bool
) -> time | None:
    raw = payload.get(key)
    if raw is None:
        if required:
            problems[key] = "Required: a time as HH:MM, 24-hour IST (for example 09:15)."
        return None
    try:
        return parse_hhmm(raw)
    except ValueError:
        problems[key] = f"{raw!r} is not a time: use HH:MM, 24-hour IST, zero-padded (for example 09:15)."
        return None


def _days_field(payload: Mapping[str, Any], problems: dict[str, str]) -> frozenset[str] | None:
    raw = payload.get(DAYS_KEY)
    if not isinstance(raw, list) or not raw:
        problems[DAYS_KEY] = "Choose at least one day (mon, tue, wed, thu, fri, sat, sun)."
        return None
    unknown = [day for day in raw if not isinstance(day, str) or day.lower() not in DAY_NAMES]
    if unknown:
        listed = ", ".join(repr(day) for day in unknown)
        problems[DAYS_KEY] = f"Unknown day {listed}: use mon, tue, wed, thu, fri, sat, sun."
        return None
    return frozenset(day.lower() for day in raw)


def _exchange_field(payload: Mapping[str, Any], default: str, problems: dict[str, str]) -> str | None:
    raw = payload.get(EXCHANGE_KEY)
    if raw is None:
        raw = default
    if not isinstance(raw, str) or raw.strip().upper() not in STRATEGY_EXCHANGES:
        problems[EXCHANGE_KEY] = f"Unknown exchange {raw!r}: use one of {', '.join(STRATEGY_EXCHANGES)}."
        return None
    return raw.strip().upper()
