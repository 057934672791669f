"""Wiring of Python strategy hosting: builds every part from the host's settings and services.

``Host`` calls ``build_strategy_hosting`` once (``host.hosting``); nothing starts here (the
supervisor starts with the host's background services).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from database.engine import Database
from services.clock import Clock
from services.crypto import SecretBox
from services.host_logging import SecretRedactor
from services.hosting.catalog import Strategies
from services.hosting.env_vars import EnvVars
from services.hosting.isolation import Isolation
from services.hosting.launcher import Launcher, ProcessLauncher
from services.hosting.log_reader import LogReader
from services.hosting.logs import StrategyLogs
from services.hosting.ownership import Ownership
from services.hosting.repository import StrategyRepository
from services.hosting.restart_policy import RestartPolicy
from services.hosting.runs import HostFacts, Runs, RunsConfig
from services.hosting.store import ScriptStore
from services.hosting.streams import StrategyStreams
from services.hosting.supervisor import Supervisor, SupervisorConfig
from services.leases import Leases
from services.lifecycle import Lifecycle
from services.live.events import ChangeNotifier, EventBus
from services.live.streams import LiveStreams
from services.settings import Settings


@dataclass(frozen=True)
class StrategyHosting:
    """``host.hosting``: the catalogue of strategies, their supervisor and their live streams."""

    strategies: Strategies
    supervisor: Supervisor
    events: EventBus
    log_changes: ChangeNotifier
    streams: StrategyStreams

    @property
    def lifecycle(self) -> Lifecycle:
        # Live streams end at once when the host begins to shut down, so the server's request
        # threads are free before it waits for them.
        return Lifecycle(background=(self.supervisor,), closing=(self.events.close, self.log_changes.close))


def build_strategy_hosting(
    settings: Settings,
    *,
    db: Database,
    box: SecretBox,
    clock: Clock,
    redactor: SecretRedactor,
    host_url: Callable[[], str],
    api_key: Callable[[], str | None],
    live: LiveStreams,
    launcher: Launcher | None = None,
    isolation: Isolation | None = None,
    leases: Leases | None = None,
    sleep: Callable[[float], None] = time.sleep,
    run_loop: bool = True,
) -> StrategyHosting:
    """Everything of strategy hosting; ``launcher``, ``isolation``, ``sleep`` and ``run_loop`` are
    test seams (``isolation`` is detected from the machine when omitted)."""
    # The host's own interpreter, never a PATH lookup: strategies get the host's packages.
    isolation = isolation or Isolation.detect(settings, sys.executable)
    repository = StrategyRepository(db)
    store = ScriptStore(settings.scripts_dir)
    env_vars = EnvVars(db, box, redactor)
    log_root = settings.log_dir / "strategies"
    log_changes = ChangeNotifier()
    max_bytes, max_files = settings.strategy_log_max_bytes, settings.strategy_log_max_files
    logs = StrategyLogs(log_root, max_bytes, max_files, clock, on_change=log_changes.bump)
    reader = LogReader(log_root)
    launcher = launcher or ProcessLauncher()
    runs = Runs(
        repository=repository,
        store=store,
        env_vars=env_vars,
        logs=logs,
        reader=reader,
        launcher=launcher,
        clock=clock,
        config=_runs_config(settings),
        host=HostFacts(host_url=host_url, api_key=api_key, environ=lambda: os.environ),
        isolation=isolation,
    )
    events = EventBus()
    ownership = Ownership(leases, clock)
    supervisor = Supervisor(
        runs=runs,
        launcher=launcher,
        logs=logs,
        clock=clock,
        events=events,
        config=SupervisorConfig(
            tick_s=settings.strategy_tick_s,
            sample_s=settings.strategy_sample_s,
            memory_check_s=settings.strategy_memory_check_s,
            stop_grace_s=settings.strategy_stop_grace_s,
            run_loop=run_loop,
        ),
        ownership=ownership,
        sleep=sleep,
    )
    strategies = Strategies(
        repository=repository,
        store=store,
        env_vars=env_vars,
        logs=logs,
        reader=reader,
        supervisor=supervisor,
        clock=clock,
        max_script_bytes=settings.strategy_max_script_bytes,
    )
    strategies.add_delete_listener(isolation.forget)
    strategies.add_delete_listener(ownership.forget)
    supervisor.add_status_extension(lambda strategy_id: {"supervised_by": ownership.holder(strategy_id)})
    supervisor.set_isolation(isolation.describe())
    streams = StrategyStreams(
        strategies=strategies,
        supervisor=supervisor,
        events=events,
        log_changes=log_changes,
        live=live,
        clock=clock,
    )
    return StrategyHosting(strategies, supervisor, events, log_changes, streams)


def _runs_config(settings: Settings) -> RunsConfig:
    return RunsConfig(
        python=sys.executable,
        stop_grace_s=settings.strategy_stop_grace_s,
        policy=RestartPolicy(
            initial_delay_s=settings.strategy_restart_initial_s,
            max_delay_s=settings.strategy_restart_max_s,
            max_failures=settings.strategy_restart_max_failures,
            healthy_after_s=settings.strategy_restart_healthy_s,
        ),
    )
