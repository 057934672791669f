"""Each strategy's plan: its schedule, the trader's latest manual start/stop, the window already run.

``PlanBook`` keeps every plan in memory (the start gate and the status board read it on every
request and every supervisor pass, so a read must never touch the database or wait for a lock) and
writes each change to ``python_strategy_schedules`` first: a change that cannot be stored is not
made. Reads see an immutable mapping that a change replaces whole.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from database.engine import Database
from database.models import PythonStrategySchedule
from services.calendar.timefmt import format_hhmm, parse_hhmm
from services.clock import Clock
from services.errors import NotFound
from services.schedules.policy import ManualAction, ManualOverride
from services.schedules.schedule import Schedule

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """What the policy reads of one strategy (a ``SchedulableStrategy``) plus the window the
    scheduler has already started (or found running), so each window starts at most once."""

    schedule: Schedule | None = None
    manual: ManualOverride | None = None
    window_started: datetime | None = None

    @property
    def scheduled(self) -> bool:
        return self.schedule is not None


NO_PLAN = Plan()


class PlanBook:
    """Plans in memory, persisted on every change; loaded from the database on first use."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._plans: Mapping[str, Plan] = MappingProxyType({})
        self._loaded = False
        #: Serialises changes (read, store, publish), never reads.
        self._lock = threading.RLock()

    # Reads: lock-free ----------------------------------------------------------------------------
    def get(self, strategy_id: str) -> Plan:
        self._ensure_loaded()
        return self._plans.get(strategy_id, NO_PLAN)

    def all(self) -> Mapping[str, Plan]:
        self._ensure_loaded()
        return self._plans

    def scheduled(self) -> dict[str, Plan]:
        return {strategy_id: plan for strategy_id, plan in self.all().items() if plan.scheduled}

    # Changes --------------------------------------------------------------------------------------
    def change(self, strategy_id: str, edit: Callable[[Plan], Plan]) -> Plan:
        """Apply ``edit`` to the current plan, store the result, then publish it. NotFound when the
        strategy does not exist (its row cannot reference it); nothing changes on any error."""
        self._ensure_loaded()
        with self._lock:
            before = self._plans.get(strategy_id, NO_PLAN)
            after = edit(before)
            if after == before:
                return before
            self._store(strategy_id, after)
            self._publish(strategy_id, after)
            return after

    def record_manual(self, strategy_id: str, action: ManualAction) -> Plan:
        """Remember the trader's start or stop, at this moment."""
        override = ManualOverride(action, self._clock.now())
        return self.change(strategy_id, lambda plan: replace(plan, manual=override))

    def forget(self, strategy_id: str) -> None:
        """Drop a deleted strategy's plan from memory (its row goes with the strategy's)."""
        self._ensure_loaded()
        with self._lock:
            if strategy_id in self._plans:
                plans = dict(self._plans)
                del plans[strategy_id]
                self._plans = MappingProxyType(plans)

    def reload(self) -> None:
        """Read every plan from the database again (the host's start rebuilds from the rows)."""
        with self._lock:
            self._plans = MappingProxyType(self._read_all())
            self._loaded = True

    # Internals ----------------------------------------------------------------------------------
    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if not self._loaded:
                self.reload()

    def _publish(self, strategy_id: str, plan: Plan) -> None:
        plans = dict(self._plans)
        plans[strategy_id] = plan
        self._plans = MappingProxyType(plans)

    def _store(self, strategy_id: str, plan: Plan) -> None:
        try:
            with self._db.session() as session:
                row = session.get(PythonStrategySchedule, strategy_id)
                if row is None:
                    row = PythonStrategySchedule(strategy_id=strategy_id)
                    session.add(row)
                _fill(row, plan, self._clock.now())
        except IntegrityError:
            # The foreign key: the strategy is gone (or was never there).
            raise NotFound("There is no such strategy.") from None

    def _read_all(self) -> dict[str, Plan]:
        with self._db.session() as session:
            rows = list(session.scalars(select(PythonStrategySchedule)))
            return {row.strategy_id: _plan(row) for row in rows}


def _fill(row: PythonStrategySchedule, plan: Plan, now: datetime) -> None:
    schedule = plan.schedule
    row.schedule_start = None if schedule is None else format_hhmm(schedule.start)
    row.schedule_stop = None if schedule is None or schedule.stop is None else format_hhmm(schedule.stop)
    row.schedule_days = None if schedule is None else ",".join(schedule.ordered_days())
    row.exchange = None if schedule is None else schedule.exchange
    row.ignore_holidays = False if schedule is None else schedule.ignore_holidays
    row.manual_action = None if plan.manual is None else plan.manual.action.value
    row.manual_at = None if plan.manual is None else plan.manual.at
    row.window_started = plan.window_started
    row.updated_at = now


def _plan(row: PythonStrategySchedule) -> Plan:
    manual = None
    if row.manual_action is not None and row.manual_at is not None:
        manual = ManualOverride(ManualAction(row.manual_action), row.manual_at)
    return Plan(_schedule(row), manual, row.window_started)


def _schedule(row: PythonStrategySchedule) -> Schedule | None:
    if row.schedule_start is None or row.schedule_days is None or row.exchange is None:
        return None
    try:
        return Schedule(
            start=parse_hhmm(row.schedule_start),
            stop=None if row.schedule_stop is None else parse_hhmm(row.schedule_stop),
            days=frozenset(row.schedule_days.split(",")),
            exchange=row.exchange,
            ignore_holidays=row.ignore_holidays,
        )
    except ValueError:
        # Only a hand-edited database gets here; the strategy then runs unscheduled, said loudly.
        log.error("Strategy %s has an unreadable schedule in the database; ignoring it", row.strategy_id)
        return None
