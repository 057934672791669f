"""``host.schedules``: set and remove schedules, re-check the master contract, run the scheduler.

What the web layer calls (``set_schedule``, ``unschedule``, ``check_contracts``) and the host's
``BackgroundService`` for schedules: at start it rebuilds every APScheduler job from the database
and runs the reconcile loop (every ``reconcile_s``, and at once when woken: a job fired, the
master contract changed, a schedule was edited). ``attach`` plugs the scheduler into the
supervisor (start gate, status fields, the trader's start/stop requests) and the catalogue
(delete).

Edits validate everything before changing anything: an invalid schedule is a 400 and the old
schedule, its jobs and its plan keep working. Saving never stops a running strategy by itself:
one the new schedule would not run now keeps running until the next scheduled stop (recorded as a
manual start at the moment of the save), and removing a schedule leaves a running strategy alone.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.calendar.live_calendar import LiveCalendar
from services.calendar.timefmt import format_ist
from services.clock import Clock
from services.cron import Cron
from services.errors import Conflict
from services.hosting.catalog import Strategies
from services.hosting.state import Status
from services.hosting.supervisor import Supervisor
from services.lifecycle import Lifecycle
from services.live.events import EventBus
from services.schedules.jobs import ScheduleJobs, cron_triggers
from services.schedules.plans import Plan, PlanBook
from services.schedules.policy import Cause, ManualAction, ManualOverride, Verdict
from services.schedules.reconcile import Step
from services.schedules.reconciler import SCHEDULE_REASON, Reconciler
from services.schedules.schedule import parse_schedule
from services.schedules.view import summary
from services.wake_loop import WakeLoop

log = logging.getLogger(__name__)

#: A process exists or is being made: saving or removing a schedule must not kill it.
_HAS_PROCESS = frozenset({Status.RUNNING, Status.STARTING})


@dataclass(frozen=True)
class SchedulingConfig:
    reconcile_s: float = 1.0
    #: False in unit tests: no reconcile loop; the test drives ``tick`` and ``fire`` (and never
    #: starts the host's cron).
    run_threads: bool = True


@dataclass(frozen=True)
class ScheduleResult:
    """A schedule edit's answer: the strategy's status entry and a sentence for the trader."""

    entry: dict[str, Any]
    message: str


@dataclass(frozen=True)
class ContractCheck:
    master_contract: dict[str, Any]
    started: list[str] = field(default_factory=list)
    waiting: list[dict[str, str]] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "master_contract": self.master_contract,
            "started": self.started,
            "waiting": self.waiting,
            "stopped": self.stopped,
        }


class Scheduling:
    name = "strategy scheduler"

    def __init__(
        self,
        *,
        plans: PlanBook,
        calendar: LiveCalendar,
        cron: Cron,
        supervisor: Supervisor,
        strategies: Strategies,
        events: EventBus,
        contracts_ready: Callable[[], bool],
        contract_state: Callable[[], Mapping[str, Any]],
        clock: Clock,
        config: SchedulingConfig,
    ) -> None:
        self.plans = plans
        self.calendar = calendar
        self._supervisor = supervisor
        self._strategies = strategies
        self._events = events
        self._contracts_ready = contracts_ready
        self._contract_state = contract_state
        self._clock = clock
        self._config = config
        self.jobs = ScheduleJobs(cron, self.fire)
        self.reconciler = Reconciler(
            plans=plans,
            calendar=calendar,
            supervisor=supervisor,
            jobs=self.jobs,
            contracts_ready=contracts_ready,
            clock=clock,
        )
        self._edit_lock = threading.Lock()
        self._running = False
        self._loop = WakeLoop(
            name="strategy-scheduler",
            tick=self.tick,
            interval_s=config.reconcile_s,
            log=log,
            failure="Scheduler pass failed",
        )

    @property
    def lifecycle(self) -> Lifecycle:
        return Lifecycle(background=(self,))

    def attach(self) -> None:
        """Plug into the supervisor and the catalogue (at construction: before any start)."""
        self._supervisor.set_start_gate(self.reconciler.gate)
        self._supervisor.add_status_extension(self.reconciler.status_fields)
        self._supervisor.add_request_listener(self._on_request)
        self._strategies.add_delete_listener(self._on_delete)

    # Background service -----------------------------------------------------------------------------
    def start(self) -> None:
        """Rebuild the jobs from the database (the host's cron runs them), start the reconcile loop."""
        if self._running:
            return
        self.plans.reload()
        for strategy_id, plan in self.plans.scheduled().items():
            if plan.schedule is not None:
                self.jobs.put(strategy_id, cron_triggers(plan.schedule))
        self._running = True
        if self._config.run_threads:
            self._loop.start()
        log.info("Scheduler started with %d scheduled strategies", len(self.plans.scheduled()))

    def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        self._loop.stop()

    def wake(self) -> None:
        self._loop.wake()

    def tick(self) -> list[tuple[str, Step]]:
        """One reconcile pass over every scheduled strategy (public so tests can drive it)."""
        self.calendar.refresh()
        return self.reconciler.reconcile()

    def fire(self, strategy_id: str) -> None:
        """An APScheduler job's instant: reconcile that strategy now (the policy decides)."""
        self.reconciler.reconcile([strategy_id])

    def contracts_changed(self) -> None:
        """The master contract's state changed: waiting strategies may start now."""
        self._supervisor.wake()
        self.wake()

    # Edits ------------------------------------------------------------------------------------------
    def set_schedule(self, strategy_id: str, payload: object) -> ScheduleResult:
        """Validate and store a schedule, replace its jobs, then reconcile the strategy at once."""
        record = self._strategies.get(strategy_id)
        schedule = parse_schedule(payload, default_exchange=record.exchange)
        triggers = cron_triggers(schedule)  # before anything changes: a failure leaves it all as it was
        kept_running: list[bool] = []
        # Inside its window and not running: it starts now — by the reconcile below, or by the
        # background loop if that pass comes first (then ``moves`` is empty, the start is not).
        starting: list[bool] = []
        with self._edit_lock:
            now = self._clock.now()
            status = self._supervisor.runtime(strategy_id).status

            def edit(plan: Plan) -> Plan:
                manual = plan.manual
                assessment = self.reconciler.assess(Plan(schedule, manual, plan.window_started), now)
                decision = None if assessment is None else assessment.decision
                if status in _HAS_PROCESS and decision is not None:
                    if decision.verdict is Verdict.STOP:
                        manual = ManualOverride(ManualAction.START, now)
                        kept_running.append(True)
                    elif decision.cause is Cause.MANUAL_START:
                        kept_running.append(True)  # an earlier manual start already holds it
                elif decision is not None and decision.verdict is Verdict.RUN:
                    starting.append(True)
                return Plan(schedule, manual, plan.window_started)

            self.plans.change(strategy_id, edit)
            self.jobs.put(strategy_id, triggers)
        moves = self.reconciler.reconcile([strategy_id])
        self.wake()
        entry = self._publish(strategy_id)
        message = f"Schedule saved: {summary(schedule)}."
        if kept_running:
            stop = entry.get("next_stop")
            if isinstance(stop, str):
                until = format_ist(datetime.fromisoformat(stop))
                message += f" It keeps running until the next scheduled stop, {until}."
            else:
                message += " It keeps running until you stop it."
        elif (strategy_id, Step.START) in moves or starting:
            message += " Inside its window now: starting."
        else:
            message += self._next_start_text(strategy_id)
        log.info("Strategy %s scheduled: %s", strategy_id, schedule.describe())
        return ScheduleResult(entry, message)

    def unschedule(self, strategy_id: str) -> ScheduleResult:
        """Remove the schedule and its jobs; a running strategy keeps running (until you stop it)."""
        self._strategies.get(strategy_id)
        with self._edit_lock:
            plan = self.plans.get(strategy_id)
            if plan.schedule is None:
                return ScheduleResult(
                    self._supervisor.status_entry(strategy_id), "The strategy had no schedule."
                )
            runtime = self._supervisor.runtime(strategy_id)
            assessment = self.reconciler.assess(plan, self._clock.now())
            held = assessment is not None and assessment.decision.verdict is Verdict.STOP
            if runtime.status is Status.WAITING and runtime.retry_at is None and held:
                # Held back only by the schedule (a restore outside the window): without the
                # schedule nothing would hold it, so end the wait rather than start it. A crash
                # restart that is pending, or a wait for the master contract, stays.
                with contextlib.suppress(Conflict):
                    self._supervisor.stop_strategy(strategy_id, reason=SCHEDULE_REASON)
            now = self._clock.now()
            running = runtime.status in _HAS_PROCESS

            def edit(current: Plan) -> Plan:
                # A running strategy was started (by the schedule or by hand); if a schedule is
                # set again later, it keeps running until that schedule's next stop.
                manual = ManualOverride(ManualAction.START, now) if running else current.manual
                return Plan(None, manual, None)

            self.plans.change(strategy_id, edit)
            self.jobs.remove(strategy_id)
        entry = self._publish(strategy_id)
        log.info("Strategy %s unscheduled", strategy_id)
        message = "Schedule removed." + (" It keeps running until you stop it." if running else "")
        return ScheduleResult(entry, message)

    def check_contracts(self) -> ContractCheck:
        """Re-check now: scheduled strategies are reconciled, and every strategy waiting for the
        master contract starts if the gate lets it through (it should still run now)."""
        moves = dict(self.tick())
        stopped = [sid for sid, step in moves.items() if step is Step.STOP]
        started: list[str] = []
        waiting: list[dict[str, str]] = []
        for record in self._strategies.all():
            runtime = self._supervisor.runtime(record.id)
            if runtime.status is Status.WAITING and runtime.retry_at is None:
                reason = self.reconciler.gate(record)
                if reason is None:
                    started.append(record.id)  # the supervisor's pass (woken below) starts it
                else:
                    waiting.append({"id": record.id, "reason": reason})
            elif moves.get(record.id) is Step.START and runtime.status in _HAS_PROCESS:
                started.append(record.id)
        self._supervisor.wake()
        return ContractCheck(dict(self._contract_state()), started, waiting, stopped)

    # Seams ------------------------------------------------------------------------------------------
    def _on_request(self, strategy_id: str, action: str, reason: str) -> None:
        """Every start/stop request: the trader's (any reason but the scheduler's) is remembered
        as the manual override the policy honours (a start runs until the next scheduled stop, a
        stop holds until the next scheduled start). Told before the supervisor acts on it."""
        if reason == SCHEDULE_REASON:
            return
        self.plans.record_manual(strategy_id, ManualAction(action))

    def _on_delete(self, strategy_id: str) -> None:
        self.jobs.remove(strategy_id)
        self.plans.forget(strategy_id)
        self.reconciler.forget(strategy_id)

    def _next_start_text(self, strategy_id: str) -> str:
        assessment = self.reconciler.assess(self.plans.get(strategy_id), self._clock.now())
        if assessment is None:
            return ""
        upcoming = assessment.decision.next_start
        if upcoming is None:
            return " No trading day ahead matches it."
        return f" Next start {format_ist(upcoming)}."

    def _publish(self, strategy_id: str) -> dict[str, Any]:
        entry = self._supervisor.status_entry(strategy_id)
        self._events.publish("updated", strategy_id, entry)
        return entry
