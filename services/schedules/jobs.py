"""The exact start and stop instants of every schedule, as jobs in the host's cron (``services.cron``).

A job does not start or stop anything by itself: it asks the scheduler to reconcile that strategy
at once, and the policy decides (a cron start on a holiday does nothing). Per strategy:

- ``schedule:<id>:start`` / ``schedule:<id>:stop`` — ``CronTrigger`` on the listed days (IST);
- ``schedule:<id>:moved-start`` / ``schedule:<id>:moved-stop`` — a one-off ``DateTrigger`` for the
  next start or stop that the calendar moved off the cron instant (MCX's evening-only session on
  an NSE holiday, a Muhurat session on a Sunday).

Jobs are rebuilt from the database at every host start. A run later than the cron's misfire grace
is the reconcile loop's job (it runs every second or two whatever APScheduler does).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from datetime import datetime

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from services.calendar.timefmt import DAY_NAMES
from services.clock import IST, to_ist
from services.cron import Cron
from services.schedules.schedule import Schedule

NAMESPACE = "schedule"
START, STOP, MOVED_START, MOVED_STOP = "start", "stop", "moved-start", "moved-stop"


def job_id(strategy_id: str, kind: str) -> str:
    return f"{NAMESPACE}:{strategy_id}:{kind}"


def cron_triggers(schedule: Schedule) -> dict[str, BaseTrigger]:
    """The cron triggers of ``schedule`` (built first: an edit changes nothing if this fails)."""
    triggers: dict[str, BaseTrigger] = {START: CronTrigger(**schedule.cron_start(), timezone=IST)}
    stop = schedule.cron_stop()
    if stop is not None:
        triggers[STOP] = CronTrigger(**stop, timezone=IST)
    return triggers


def on_cron_instant(schedule: Schedule, moment: datetime, kind: str) -> bool:
    """Whether the cron job of ``kind`` (start or stop) fires exactly at ``moment``."""
    local = to_ist(moment)
    fields = schedule.cron_start() if kind == START else schedule.cron_stop()
    if fields is None:
        return False
    days = str(fields["day_of_week"]).split(",")
    return (
        local.second == 0
        and local.microsecond == 0
        and (local.hour, local.minute) == (fields["hour"], fields["minute"])
        and DAY_NAMES[local.weekday()] in days
    )


class ScheduleJobs:
    """The ``schedule:`` jobs of the host's cron: each fires ``fire(strategy_id)``."""

    def __init__(self, cron: Cron, fire: Callable[[str], None]) -> None:
        self._cron = cron
        self._fire = fire
        self._lock = threading.Lock()

    def put(self, strategy_id: str, triggers: dict[str, BaseTrigger]) -> None:
        """Replace the cron jobs of a strategy with ``triggers`` (from ``cron_triggers``)."""
        with self._lock:
            for kind in (START, STOP):
                trigger = triggers.get(kind)
                if trigger is None:
                    self._cron.remove(job_id(strategy_id, kind))
                else:
                    self._put(strategy_id, kind, trigger)

    def put_moved(self, strategy_id: str, kind: str, at: datetime | None) -> None:
        """Set (or clear, with None) the one-off job of a start or stop moved by the calendar."""
        key = job_id(strategy_id, kind)
        with self._lock:
            current = self._cron.trigger(key)
            if at is None:
                if current is not None:
                    self._cron.remove(key)
                return
            if isinstance(current, DateTrigger) and current.run_date == at:
                return
            self._put(strategy_id, kind, DateTrigger(run_date=at, timezone=IST))

    def remove(self, strategy_id: str) -> None:
        with self._lock:
            for kind in (START, STOP, MOVED_START, MOVED_STOP):
                self._cron.remove(job_id(strategy_id, kind))

    def trigger(self, strategy_id: str, kind: str) -> BaseTrigger | None:
        return self._cron.trigger(job_id(strategy_id, kind))

    def next_fire(self, strategy_id: str, kind: str, now: datetime) -> datetime | None:
        """When the job of ``kind`` fires next after ``now`` (None: no such job)."""
        return self._cron.next_fire(job_id(strategy_id, kind), now)

    def job_ids(self) -> list[str]:
        return self._cron.job_ids(f"{NAMESPACE}:")

    def _put(self, strategy_id: str, kind: str, trigger: BaseTrigger) -> None:
        self._cron.put(job_id(strategy_id, kind), trigger, functools.partial(self._fire, strategy_id))
