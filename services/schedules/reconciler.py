"""The scheduler's side of reconciling: make each scheduled strategy match ``should_run``.

A pass asks the policy about every scheduled strategy and follows ``reconcile.next_move``: it
starts and stops strategies through the supervisor (reason ``schedule``), remembers which window
it started, and keeps the one-off APScheduler jobs of starts and stops the calendar moved. The
same object is the supervisor's start gate (every start, manual, scheduled or restore, waits for
the master contract; a scheduled strategy's restore waits for its window) and the status board's
extension (``scheduled``, ``schedule``, ``next_start``, ``next_stop``, ``status_reason``).

Callers: the reconcile loop (every ``reconcile_s``), each APScheduler job at its instant, and the
web layer right after an edit. Passes over one strategy are serialised by a per-strategy lock,
held only around decisions and requests that return at once (the supervisor never waits for a
process on a request).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from services.calendar.exchange_calendar import ExchangeCalendar
from services.calendar.live_calendar import LiveCalendar
from services.clock import Clock, ist_iso
from services.errors import Conflict, Unavailable
from services.hosting.repository import StrategyRecord
from services.hosting.supervisor import Supervisor
from services.schedules.jobs import MOVED_START, MOVED_STOP, START, STOP, ScheduleJobs, on_cron_instant
from services.schedules.plans import Plan, PlanBook
from services.schedules.policy import WAITING_FOR_CONTRACTS, Contracts, Decision, Verdict, should_run
from services.schedules.reconcile import Step, next_move, status_reason
from services.schedules.view import schedule_view
from services.schedules.windows import Window, current_window

log = logging.getLogger(__name__)

#: The reason the scheduler gives the supervisor; every other start/stop is the trader's.
SCHEDULE_REASON = "schedule"
READY = Contracts(ready=True)

UNSCHEDULED: Mapping[str, Any] = MappingProxyType(
    {"scheduled": False, "schedule": None, "next_start": None, "next_stop": None}
)


@dataclass(frozen=True)
class Assessment:
    """The policy's view of one scheduled strategy at one moment."""

    plan: Plan
    decision: Decision
    window: Window | None


class Reconciler:
    def __init__(
        self,
        *,
        plans: PlanBook,
        calendar: LiveCalendar,
        supervisor: Supervisor,
        jobs: ScheduleJobs,
        contracts_ready: Callable[[], bool],
        clock: Clock,
    ) -> None:
        self._plans = plans
        self._calendar = calendar
        self._supervisor = supervisor
        self._jobs = jobs
        self._contracts_ready = contracts_ready
        self._clock = clock
        self._locks: dict[str, threading.Lock] = {}
        #: strategy id → (key, assessment, calendar): see ``assess``. One entry is replaced whole.
        self._cache: dict[str, tuple[tuple[Plan, int, bool, int], Assessment, ExchangeCalendar]] = {}
        self._locks_guard = threading.Lock()

    # The policy -------------------------------------------------------------------------------------
    def assess(
        self, plan: Plan, now: datetime, ready: bool = True, *, strategy_id: str | None = None
    ) -> Assessment | None:
        """``should_run`` and the open window for ``plan`` (None when it has no schedule).

        With ``strategy_id`` the answer is cached for the rest of the minute: every boundary the
        policy knows (schedule times, sessions, midnight, the stop or start that ends a manual
        action) falls on a whole minute, so for the same plan, calendar and contract state the
        answer cannot change within one. A pass over hundreds of schedules then costs lookups.
        """
        if plan.schedule is None:
            return None
        calendar = self._calendar.current()
        key = (plan, id(calendar), ready, int(now.timestamp() // 60))
        if strategy_id is not None:
            cached = self._cache.get(strategy_id)
            if cached is not None and cached[0] == key and cached[2] is calendar:
                return cached[1]
        decision = should_run(plan, now, calendar, Contracts(ready))
        assessment = Assessment(plan, decision, current_window(plan.schedule, now, calendar))
        if strategy_id is not None:
            self._cache[strategy_id] = (key, assessment, calendar)
        return assessment

    # Reconcile passes -------------------------------------------------------------------------------
    def reconcile(self, strategy_ids: Iterable[str] | None = None) -> list[tuple[str, Step]]:
        """One pass over the scheduled strategies (or the given ones); returns the starts and
        stops it asked for. A failure with one strategy is logged and the others still run."""
        scheduled = self._plans.scheduled()
        ids = list(scheduled) if strategy_ids is None else [sid for sid in strategy_ids if sid in scheduled]
        moves: list[tuple[str, Step]] = []
        for strategy_id in ids:
            try:
                step = self._reconcile_one(strategy_id)
            except Unavailable:
                continue  # said where it happened; the window is not marked as started
            except Exception:
                log.exception("Reconciling the schedule of strategy %s failed", strategy_id)
                continue
            if step in {Step.START, Step.STOP}:
                moves.append((strategy_id, step))
        return moves

    def _reconcile_one(self, strategy_id: str) -> Step:
        with self._lock_for(strategy_id):
            # Read after taking the lock: a pass that waited acts on the latest plan and moment.
            plan = self._plans.get(strategy_id)
            now = self._clock.now()
            assessment = self.assess(plan, now, self._contracts_ready(), strategy_id=strategy_id)
            if assessment is None:
                return Step.NOTHING
            status = self._supervisor.runtime(strategy_id).status
            move = next_move(plan, assessment.decision, assessment.window, status, now)
            self._follow_moved_instants(strategy_id, assessment)
            if move.step is Step.STOP:
                return self._stop(strategy_id)
            if move.step is Step.START:
                self._start(strategy_id)
            if move.window is not None:
                self._remember_window(strategy_id, move.window)
            return move.step

    def _start(self, strategy_id: str) -> None:
        try:
            runtime = self._supervisor.start_strategy(strategy_id, reason=SCHEDULE_REASON)
        except Conflict:
            return  # started meanwhile (a restore, the trader): this window has its start
        except Unavailable:
            # The supervisor is not running (the host is shutting down, or runs without
            # background work): nothing can start; the next host's pass catches the window up.
            log.warning("Scheduled start of strategy %s skipped: the supervisor is not running", strategy_id)
            raise
        log.info("Scheduled start of strategy %s: %s", strategy_id, runtime.status.value)

    def _stop(self, strategy_id: str) -> Step:
        try:
            self._supervisor.stop_strategy(strategy_id, reason=SCHEDULE_REASON)
        except Conflict:
            return Step.NOTHING  # it stopped by itself meanwhile
        log.info("Scheduled stop of strategy %s", strategy_id)
        return Step.STOP

    def _remember_window(self, strategy_id: str, window_start: datetime) -> None:
        self._plans.change(strategy_id, lambda plan: replace(plan, window_started=window_start))

    def _follow_moved_instants(self, strategy_id: str, assessment: Assessment) -> None:
        """Keep a one-off job at the next start/stop when the calendar moved it off the cron
        instant, so even a Muhurat session starts on the dot rather than at the next pass."""
        schedule = assessment.plan.schedule
        if schedule is None:
            return
        decision = assessment.decision
        for kind, cron_kind, moment in (
            (MOVED_START, START, decision.next_start),
            (MOVED_STOP, STOP, decision.next_stop),
        ):
            moved = moment is not None and not on_cron_instant(schedule, moment, cron_kind)
            self._jobs.put_moved(strategy_id, kind, moment if moved else None)

    def _lock_for(self, strategy_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(strategy_id, threading.Lock())

    def forget(self, strategy_id: str) -> None:
        with self._locks_guard:
            self._locks.pop(strategy_id, None)
        self._cache.pop(strategy_id, None)

    # Seams of the supervisor -----------------------------------------------------------------------
    def gate(self, record: StrategyRecord) -> str | None:
        """Why ``record`` may not start now (status ``waiting``), or None.

        Every start waits for the master contract. A scheduled strategy also may not start when
        the policy says it should not run: that stops a restore or a crash restart outside the
        window (the next pass then stops the wait). A trader's start is recorded before this is
        asked, so the policy already lets it through.
        """
        ready = self._contracts_ready()
        try:
            assessment = self.assess(
                self._plans.get(record.id), self._clock.now(), ready, strategy_id=record.id
            )
        except Exception:
            # A fault here must not block the trader's own start: only the contract gate stays.
            log.exception("The schedule check of strategy %s failed", record.id)
            assessment = None
        if assessment is not None and assessment.decision.verdict is Verdict.STOP:
            return assessment.decision.reason
        return None if ready else WAITING_FOR_CONTRACTS

    def status_fields(self, strategy_id: str) -> dict[str, Any]:
        """The status board's extension: schedule, next start/stop (IST) and why."""
        plan = self._plans.get(strategy_id)
        runtime = self._supervisor.runtime(strategy_id)
        now = self._clock.now()
        # As if the contract were ready: waiting for it is read from the supervisor's reason.
        assessment = self.assess(plan, now, strategy_id=strategy_id)
        decision = None if assessment is None else assessment.decision
        window = None if assessment is None else assessment.window
        fields = dict(UNSCHEDULED)
        if decision is not None:
            fields.update(
                scheduled=True,
                schedule=schedule_view(plan.schedule),
                next_start=ist_iso(decision.next_start),
                next_stop=ist_iso(decision.next_stop),
            )
        fields["status_reason"] = status_reason(
            plan,
            decision=decision,
            window=window,
            status=runtime.status,
            runtime_reason=runtime.reason,
            now=now,
        )
        return fields
