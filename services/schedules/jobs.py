"""APScheduler: the exact start and stop instants of every schedule, as jobs with explicit ids.

A job does not start or stop anything by itself: it asks the scheduler to reconcile that strategy
at once, and the policy decides (a cron start on a holiday does nothing). Per strategy:

- ``schedule:<id>:start`` / ``schedule:<id>:stop`` — ``CronTrigger`` on the listed days (IST);
- ``schedule:<id>:moved-start`` / ``schedule:<id>:moved-stop`` — a one-off ``DateTrigger`` for the
  next start or stop that the calendar moved off the cron instant (MCX's evening-only session on
  an NSE holiday, a Muhurat session on a Sunday).

Jobs live in memory and are rebuilt from the database at every host start. Missed runs are
coalesced into one and still run up to ``misfire_grace_s`` late; anything later is the reconcile
loop's job (it runs every second or two whatever APScheduler does). Before ``start`` (and in unit
tests, which never start it) the triggers are only kept here, so they can be inspected.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from services.clock import IST, to_ist
from services.schedules.schedule import Schedule
from services.schedules.timefmt import DAY_NAMES

log = logging.getLogger(__name__)

START, STOP, MOVED_START, MOVED_STOP = "start", "stop", "moved-start", "moved-stop"
#: Enough workers that a market open with many schedules never queues behind a slow start.
WORKERS = 20


def job_id(strategy_id: str, kind: str) -> str:
    return f"schedule:{strategy_id}:{kind}"


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


class CronJobs:
    """The host's APScheduler ``BackgroundScheduler`` (Asia/Kolkata) and the schedule jobs in it."""

    def __init__(self, fire: Callable[[str], None], misfire_grace_s: int) -> None:
        self._fire = fire
        self._scheduler = BackgroundScheduler(
            timezone=IST,
            executors={"default": ThreadPoolExecutor(max_workers=WORKERS)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": misfire_grace_s},
        )
        self._triggers: dict[str, BaseTrigger] = {}
        self._owners: dict[str, str] = {}
        self._lock = threading.Lock()
        self._started = False

    # The jobs -----------------------------------------------------------------------------------
    def put(self, strategy_id: str, triggers: dict[str, BaseTrigger]) -> None:
        """Replace the cron jobs of a strategy with ``triggers`` (from ``cron_triggers``)."""
        with self._lock:
            for kind in (START, STOP):
                trigger = triggers.get(kind)
                if trigger is None:
                    self._remove(job_id(strategy_id, kind))
                else:
                    self._add(strategy_id, kind, trigger)

    def put_moved(self, strategy_id: str, kind: str, at: datetime | None) -> None:
        """Set (or clear, with None) the one-off job of a start or stop moved by the calendar."""
        key = job_id(strategy_id, kind)
        with self._lock:
            current = self._triggers.get(key)
            if at is None:
                if current is not None:
                    self._remove(key)
                return
            if isinstance(current, DateTrigger) and current.run_date == at:
                return
            self._add(strategy_id, kind, DateTrigger(run_date=at, timezone=IST))

    def remove(self, strategy_id: str) -> None:
        with self._lock:
            for kind in (START, STOP, MOVED_START, MOVED_STOP):
                self._remove(job_id(strategy_id, kind))

    def trigger(self, strategy_id: str, kind: str) -> BaseTrigger | None:
        return self._triggers.get(job_id(strategy_id, kind))

    def next_fire(self, strategy_id: str, kind: str, now: datetime) -> datetime | None:
        """When the job of ``kind`` fires next after ``now`` (None: no such job)."""
        trigger = self.trigger(strategy_id, kind)
        if trigger is None:
            return None
        fire: datetime | None = trigger.get_next_fire_time(None, to_ist(now))
        return fire

    def job_ids(self) -> list[str]:
        return sorted(self._triggers)

    # Lifecycle ----------------------------------------------------------------------------------
    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            for key, trigger in self._triggers.items():
                self._schedule(key, self._owners[key], trigger)
            self._scheduler.start()
            self._started = True

    def shutdown(self) -> None:
        with self._lock:
            if not self._started:
                return
            self._started = False
        # Not waiting for running jobs: each is a short reconcile and the supervisor stops after us.
        self._scheduler.shutdown(wait=False)

    # Internals (self._lock held) ----------------------------------------------------------------
    def _add(self, strategy_id: str, kind: str, trigger: BaseTrigger) -> None:
        key = job_id(strategy_id, kind)
        self._triggers[key] = trigger
        self._owners[key] = strategy_id
        if self._started:
            self._schedule(key, strategy_id, trigger)

    def _schedule(self, key: str, strategy_id: str, trigger: BaseTrigger) -> None:
        self._scheduler.add_job(
            self._fire, trigger=trigger, args=[strategy_id], id=key, name=key, replace_existing=True
        )

    def _remove(self, key: str) -> None:
        self._owners.pop(key, None)
        if self._triggers.pop(key, None) is not None and self._started:
            # A one-off job that has already run is gone from APScheduler already.
            with contextlib.suppress(JobLookupError):
                self._scheduler.remove_job(key)
