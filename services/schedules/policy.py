"""The schedule policy: should a strategy be running now, and why. Pure: no clock, no I/O.

The reconcile loop calls ``should_run`` every couple of seconds and makes reality match it, so a
stalled scheduler, a host restart inside the window, or contracts that become ready late all end
the same way. The rules, as the trader sees them:

- Scheduled: runs inside its windows (see ``windows``), not on its exchange's holidays.
- Manual start at T: runs now, even outside the window, until the first scheduled stop after T
  (a schedule without a stop time, or no schedule: until a manual stop).
- Manual stop at T: stays stopped until the first scheduled start after T or a manual start.
  Only the latest manual action counts; the caller keeps one per strategy.
- Master contract: a strategy that should run but is not running may only start once the
  instrument list is ready; until then the verdict is WAIT (status ``waiting``). WAIT never stops
  a process that already runs: the gate is on starts. When the contracts become ready, the next
  decision says RUN only if the strategy should still run at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from services.calendar.exchange_calendar import ExchangeCalendar
from services.calendar.timefmt import format_ist
from services.clock import to_ist
from services.schedules.schedule import Schedule
from services.schedules.windows import current_window, next_start, next_stop, raw_window

WAITING_FOR_CONTRACTS = "waiting for master contract"


class ManualAction(StrEnum):
    START = "start"
    STOP = "stop"


@dataclass(frozen=True)
class ManualOverride:
    """The trader's latest manual start or stop of a strategy, and when it happened."""

    action: ManualAction
    at: datetime

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("a manual override needs an aware datetime")


class SchedulableStrategy(Protocol):
    """What the policy reads of a strategy (the hosting store's record can provide these)."""

    @property
    def schedule(self) -> Schedule | None: ...

    @property
    def manual(self) -> ManualOverride | None: ...


@dataclass(frozen=True)
class StrategyPlan:
    """A plain SchedulableStrategy: a schedule (or None) and the latest manual action (or None)."""

    schedule: Schedule | None = None
    manual: ManualOverride | None = None


class ContractStatus(Protocol):
    """Whether the master contract (instrument list) is ready for trading."""

    @property
    def ready(self) -> bool: ...


@dataclass(frozen=True)
class Contracts:
    """A plain ContractStatus."""

    ready: bool


class Verdict(StrEnum):
    RUN = "run"  # should be running: start it if it is not
    WAIT = "wait"  # should be running, but a start must wait for the master contract
    STOP = "stop"  # should not be running: stop it if it is


class Cause(StrEnum):
    """Why the policy wants what it wants (machine-readable; ``Decision.reason`` is the text)."""

    IN_WINDOW = "in_window"
    OUTSIDE_WINDOW = "outside_window"
    MARKET_CLOSED = "market_closed"
    MANUAL_START = "manual_start"
    MANUAL_STOP = "manual_stop"
    NOT_SCHEDULED = "not_scheduled"


@dataclass(frozen=True)
class Decision:
    """Run or not, why, and the next scheduled start and stop (aware IST; None when none)."""

    verdict: Verdict
    cause: Cause
    reason: str
    next_start: datetime | None = None
    next_stop: datetime | None = None

    @property
    def should_run(self) -> bool:
        """True for RUN and WAIT: the strategy belongs running (WAIT: once contracts are ready)."""
        return self.verdict is not Verdict.STOP

    @property
    def waiting(self) -> bool:
        return self.verdict is Verdict.WAIT


def should_run(
    strategy: SchedulableStrategy,
    now: datetime,
    calendar: ExchangeCalendar,
    contracts: ContractStatus,
) -> Decision:
    """Decide for one strategy at ``now`` (aware). Pure: the same inputs give the same answer."""
    if now.tzinfo is None:
        raise ValueError("the policy needs an aware datetime")
    now = to_ist(now)
    schedule = strategy.schedule
    upcoming_start = None if schedule is None else next_start(schedule, now, calendar)
    upcoming_stop = None if schedule is None else next_stop(schedule, now, calendar)
    run, cause, reason = _desired(schedule, strategy.manual, now, calendar, upcoming_start)
    if not run:
        verdict = Verdict.STOP
    elif contracts.ready:
        verdict = Verdict.RUN
    else:
        verdict, reason = Verdict.WAIT, WAITING_FOR_CONTRACTS
    return Decision(verdict, cause, reason, upcoming_start, upcoming_stop)


_Want = tuple[bool, Cause, str]


def _desired(
    schedule: Schedule | None,
    manual: ManualOverride | None,
    now: datetime,
    calendar: ExchangeCalendar,
    upcoming_start: datetime | None,
) -> _Want:
    if schedule is None:
        return _unscheduled(manual)
    if manual is not None:
        overridden = _manual(schedule, manual, now, calendar)
        if overridden is not None:
            return overridden
    # No manual action, or the schedule has overtaken it: the schedule decides.
    return _scheduled(schedule, now, calendar, upcoming_start)


def _unscheduled(manual: ManualOverride | None) -> _Want:
    if manual is None:
        return False, Cause.NOT_SCHEDULED, "not scheduled"
    if manual.action is ManualAction.START:
        return True, Cause.MANUAL_START, "started manually"
    return False, Cause.MANUAL_STOP, "stopped manually"


def _manual(
    schedule: Schedule, manual: ManualOverride, now: datetime, calendar: ExchangeCalendar
) -> _Want | None:
    """The manual action's effect while it lasts; None once the schedule has overtaken it."""
    if manual.action is ManualAction.START:
        ends = next_stop(schedule, manual.at, calendar)
        if ends is None:
            return True, Cause.MANUAL_START, "manually started; runs until stopped"
        if now < ends:
            return (
                True,
                Cause.MANUAL_START,
                f"manually started; the scheduled stop at {format_ist(ends)} stops it",
            )
        return None
    ends = next_start(schedule, manual.at, calendar)
    if ends is None:
        return False, Cause.MANUAL_STOP, "manually stopped; no scheduled start ahead"
    if now < ends:
        return False, Cause.MANUAL_STOP, f"manually stopped until next scheduled start {format_ist(ends)}"
    return None


def _scheduled(
    schedule: Schedule, now: datetime, calendar: ExchangeCalendar, upcoming_start: datetime | None
) -> _Want:
    window = current_window(schedule, now, calendar)
    if window is not None:
        if window.end is None:
            return (
                True,
                Cause.IN_WINDOW,
                f"started by schedule at {format_ist(window.start)}; runs until stopped",
            )
        return True, Cause.IN_WINDOW, f"inside schedule window until {format_ist(window.end)}"
    closed = _closed_reason(schedule, now, calendar)
    if closed is not None:
        return False, Cause.MARKET_CLOSED, closed
    if upcoming_start is None:
        return False, Cause.OUTSIDE_WINDOW, "outside schedule window; no trading day ahead matches it"
    return False, Cause.OUTSIDE_WINDOW, f"outside schedule window; next start {format_ist(upcoming_start)}"


def _closed_reason(schedule: Schedule, now: datetime, calendar: ExchangeCalendar) -> str | None:
    """The calendar's reason when it, not the clock, keeps a listed day's window from running."""
    if schedule.ignore_holidays:
        return None
    exchange = schedule.exchange
    for day in (now.date() - timedelta(days=1), now.date()):
        raw = raw_window(schedule, day)
        if raw is None:
            continue
        if raw.contains(now):
            # The clock says run; the calendar says the exchange is closed (or open other hours).
            reason = calendar.reason_closed(exchange, day)
            if reason is None and not calendar.is_regular_day(exchange, day):
                reason = calendar.note_on(exchange, day)
            if reason is not None:
                return reason
        elif day == now.date():
            # Before or after today's window on a holiday: name the holiday, not the clock.
            reason = calendar.reason_closed(exchange, day)
            if reason is not None:
                return reason
    return None
