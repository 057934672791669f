"""A scheduler world for unit tests: the real supervisor, plans and calendar on a fake clock.

Nothing runs by itself: no APScheduler thread, no loops, no processes (a fake launcher). A test
sets the IST time, then calls what the threads would: ``fire`` (an APScheduler job at its
instant), ``tick`` (a reconcile pass of the scheduler, then one of the supervisor).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from database.engine import Database
from database.migrate import upgrade_to_head
from services.calendar.live_calendar import LiveCalendar
from services.calendar.store import CalendarStore
from services.clock import to_ist
from services.cron import Cron
from services.crypto import SecretBox
from services.host_logging import SecretRedactor
from services.hosting.catalog import Strategies, Upload
from services.hosting.supervisor import Supervisor
from services.hosting.wiring import StrategyHosting, build_strategy_hosting
from services.live.events import Event, EventBus
from services.live.streams import LiveStreams, StreamConfig, StreamSlots
from services.schedules.plans import PlanBook
from services.schedules.service import ScheduleResult, Scheduling, SchedulingConfig
from services.settings import Settings
from tests.support.apps import make_settings
from tests.support.strategies import FakeClock, FakeLauncher, FakeProcess

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
EVERY_DAY = [*WEEKDAYS, "sat", "sun"]


@dataclass
class Contracts:
    """The master contract as the scheduler sees it: a switch the test flips."""

    ready: bool = True
    state: dict[str, Any] = field(default_factory=lambda: {"status": "success", "ready": True})

    def set(self, ready: bool) -> None:
        self.ready = ready
        self.state = {"status": "success" if ready else "downloading", "ready": ready}


@dataclass
class SchedWorld:
    settings: Settings
    db: Database
    box: SecretBox
    clock: FakeClock
    launcher: FakeLauncher
    contracts: Contracts
    hosting: StrategyHosting
    scheduling: Scheduling

    @property
    def supervisor(self) -> Supervisor:
        return self.hosting.supervisor

    @property
    def strategies(self) -> Strategies:
        return self.hosting.strategies

    @property
    def events(self) -> EventBus:
        return self.hosting.events

    # Strategies and schedules ------------------------------------------------------------------------
    def add(self, name: str = "EMA", exchange: str = "NSE") -> str:
        return self.strategies.create(Upload(name, "ema.py", b"print('hi')\n", exchange)).id

    def schedule(
        self,
        strategy_id: str,
        start: str = "09:15",
        stop: str | None = "15:30",
        days: list[str] | None = None,
        **extra: Any,
    ) -> ScheduleResult:
        payload = {"schedule_start": start, "schedule_stop": stop, "schedule_days": days or WEEKDAYS, **extra}
        return self.scheduling.set_schedule(strategy_id, payload)

    # Time -------------------------------------------------------------------------------------------------
    def at(self, moment: datetime) -> None:
        """Move the clock forward to ``moment`` (never back: monotonic time must not)."""
        delta = (moment - self.clock.now()).total_seconds()
        assert delta >= 0, f"the clock cannot go back from {to_ist(self.clock.now())} to {moment}"
        self.clock.advance(delta)

    def tick(self, moment: datetime | None = None) -> None:
        """At ``moment`` (or now): a scheduler pass, then two supervisor passes (spawn/reap)."""
        if moment is not None:
            self.at(moment)
        self.scheduling.tick()
        self.supervisor.tick()
        self.supervisor.tick()

    def fire(self, strategy_id: str, moment: datetime | None = None) -> None:
        """An APScheduler job of ``strategy_id`` runs at ``moment``; the supervisor's loop follows."""
        if moment is not None:
            self.at(moment)
        self.scheduling.fire(strategy_id)
        self.supervisor.tick()
        self.supervisor.tick()

    # What the trader sees ---------------------------------------------------------------------------------
    def entry(self, strategy_id: str) -> dict[str, Any]:
        return self.supervisor.status_entry(strategy_id)

    def status(self, strategy_id: str) -> str:
        return str(self.entry(strategy_id)["status"])

    def processes_of(self, strategy_id: str) -> list[FakeProcess]:
        """Every process spawned for ``strategy_id`` (alive or not), oldest first."""
        pairs = zip(self.launcher.specs, self.launcher.processes, strict=True)
        return [process for spec, process in pairs if spec.env["STRATEGY_ID"] == strategy_id]

    def alive(self) -> int:
        return len(self.launcher.alive)

    def spawned(self) -> int:
        return len(self.launcher.processes)

    def log_text(self, strategy_id: str) -> str:
        return "\n".join(self.strategies.tail(strategy_id, 1000).lines)

    def events_of(self, strategy_id: str) -> list[Event]:
        return [event for event in self.events.after(0).events if event.strategy_id == strategy_id]

    # Host lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> SchedWorld:
        self.supervisor.start()
        self.scheduling.start()
        return self

    def shutdown(self) -> None:
        """The graceful host shutdown: the scheduler first, then the supervisor (reverse order)."""
        self.scheduling.stop()
        self.supervisor.stop()

    def restart_host(self, *, graceful: bool = True, leftovers: Sequence[FakeProcess] = ()) -> SchedWorld:
        """A new host on the same database and clock (``graceful=False``: the old one died, and
        ``leftovers`` are its strategies' processes that are still alive)."""
        if graceful:
            self.shutdown()
        again = build_sched_world(self.settings, self.db, self.box, self.clock, self.contracts)
        for process in leftovers:
            again.launcher.leftovers[process.token] = process
        return again.start()


def make_sched_world(data_dir: Path, start: datetime, **overrides: Any) -> SchedWorld:
    """A started world on a fresh database, the clock at ``start``."""
    settings = make_settings(data_dir, strategy_stop_grace_s=5.0, **overrides)
    settings.ensure_dirs()
    db = Database.from_url(settings.effective_database_url)
    upgrade_to_head(db.engine)
    box = SecretBox.generate(settings.keys_dir)
    return build_sched_world(settings, db, box, FakeClock(start), Contracts()).start()


def build_sched_world(
    settings: Settings, db: Database, box: SecretBox, clock: FakeClock, contracts: Contracts
) -> SchedWorld:
    launcher = FakeLauncher()
    hosting = build_strategy_hosting(
        settings,
        db=db,
        box=box,
        clock=clock,
        redactor=SecretRedactor(),
        host_url=lambda: "http://127.0.0.1:5123",
        api_key=lambda: "a" * 64,
        live=LiveStreams(StreamSlots(8), StreamConfig(heartbeat_s=15.0, max_lifetime_s=600.0)),
        launcher=launcher,
        sleep=clock.advance,
        run_loop=False,
    )
    calendar_store = CalendarStore(db, clock)
    calendar_store.sync_shipped()
    scheduling = Scheduling(
        plans=PlanBook(db, clock),
        calendar=LiveCalendar(calendar_store, clock, check_every_s=60.0),
        cron=Cron(misfire_grace_s=120),  # never started: tests fire jobs themselves
        supervisor=hosting.supervisor,
        strategies=hosting.strategies,
        events=hosting.events,
        contracts_ready=lambda: contracts.ready,
        contract_state=lambda: contracts.state,
        clock=clock,
        config=SchedulingConfig(run_threads=False),
    )
    scheduling.attach()
    return SchedWorld(settings, db, box, clock, launcher, contracts, hosting, scheduling)
