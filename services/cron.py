"""The host's one APScheduler: every timed job of every feature, under a namespaced id.

Job ids say whose job it is: ``schedule:<id>:start`` (a ``/python`` schedule), later
``squareoff:<id>`` and ``interval:<id>``. A feature owns its namespace and never touches another's.
Jobs live in memory and are rebuilt by their feature at every host start. Before ``start`` (and in
unit tests, which never start it) jobs are only kept here, so their triggers can be inspected.
Missed runs are coalesced into one and still run up to ``misfire_grace_s`` late; anything later is
for the feature's own reconcile loop.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger

from services.clock import IST, to_ist

log = logging.getLogger(__name__)

#: Enough workers that a market open with many jobs never queues behind a slow one.
WORKERS = 20


@dataclass(frozen=True)
class CronJob:
    trigger: BaseTrigger
    fire: Callable[[], None]


class Cron:
    """APScheduler's ``BackgroundScheduler`` (Asia/Kolkata) as the host's BackgroundService."""

    name = "cron"

    def __init__(self, misfire_grace_s: int, workers: int = WORKERS) -> None:
        self._scheduler = BackgroundScheduler(
            timezone=IST,
            executors={"default": ThreadPoolExecutor(max_workers=workers)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": misfire_grace_s},
        )
        self._jobs: dict[str, CronJob] = {}
        self._lock = threading.Lock()
        self._started = False

    # The jobs -----------------------------------------------------------------------------------
    def put(self, job_id: str, trigger: BaseTrigger, fire: Callable[[], None]) -> None:
        """Add or replace the job ``job_id``: ``fire()`` runs at each of ``trigger``'s instants."""
        with self._lock:
            job = CronJob(trigger, fire)
            self._jobs[job_id] = job
            if self._started:
                self._schedule(job_id, job)

    def remove(self, job_id: str) -> None:
        with self._lock:
            if self._jobs.pop(job_id, None) is not None and self._started:
                # A one-off job that has already run is gone from APScheduler already.
                with contextlib.suppress(JobLookupError):
                    self._scheduler.remove_job(job_id)

    def trigger(self, job_id: str) -> BaseTrigger | None:
        job = self._jobs.get(job_id)
        return None if job is None else job.trigger

    def next_fire(self, job_id: str, now: datetime) -> datetime | None:
        """When the job fires next after ``now`` (None: no such job, or it never fires again)."""
        trigger = self.trigger(job_id)
        if trigger is None:
            return None
        fire: datetime | None = trigger.get_next_fire_time(None, to_ist(now))
        return fire

    def job_ids(self, prefix: str = "") -> list[str]:
        """The ids of the jobs whose id starts with ``prefix`` (a feature's namespace), sorted."""
        return sorted(job_id for job_id in list(self._jobs) if job_id.startswith(prefix))

    # Lifecycle ----------------------------------------------------------------------------------
    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            for job_id, job in self._jobs.items():
                self._schedule(job_id, job)
            self._scheduler.start()
            self._started = True
        log.info("Cron started with %d jobs", len(self._jobs))

    def stop(self) -> None:
        with self._lock:
            if not self._started:
                return
            self._started = False
        # Not waiting for running jobs: each is short, and the services they call stop after us.
        self._scheduler.shutdown(wait=False)

    def _schedule(self, job_id: str, job: CronJob) -> None:
        self._scheduler.add_job(job.fire, trigger=job.trigger, id=job_id, name=job_id, replace_existing=True)
