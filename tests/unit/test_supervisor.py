"""The supervisor driven with a fake launcher and a fake clock: no processes, no sleeps."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from database.engine import Database
from database.migrate import upgrade_to_head
from services.confinement import POLICY_ENV, Policy
from services.crypto import SecretBox
from services.errors import Conflict, SecretUnreadable, Unavailable
from services.host_logging import SecretRedactor
from services.hosting.catalog import Strategies, Upload
from services.hosting.launcher import Sample
from services.hosting.repository import StrategyRecord, StrategyRepository
from services.hosting.supervisor import Supervisor
from services.hosting.wiring import StrategyHosting, build_strategy_hosting
from services.live.streams import LiveStreams, StreamConfig, StreamSlots
from services.settings import Settings
from tests.support.apps import make_settings
from tests.support.strategies import FakeClock, FakeLauncher, FakeProcess

HOST_URL = "http://127.0.0.1:5123"
API_KEY = "a" * 64


@dataclass
class World:
    settings: Settings
    db: Database
    box: SecretBox
    clock: FakeClock
    launcher: FakeLauncher
    hosting: StrategyHosting
    api_key: list[str | Exception]

    @property
    def supervisor(self) -> Supervisor:
        return self.hosting.supervisor

    @property
    def strategies(self) -> Strategies:
        return self.hosting.strategies

    def add(self, name: str = "EMA", **settings: object) -> str:
        record = self.strategies.create(Upload(name, "ema.py", b"print('hi')\n"))
        if settings:
            self.strategies.update_settings(record.id, dict(settings))
        return record.id

    def run(self, strategy_id: str, reason: str = "manual") -> str:
        """Start request, then the loop's pass that spawns; returns the status after both."""
        self.supervisor.start_strategy(strategy_id, reason=reason)
        self.supervisor.tick()
        return str(self.supervisor.runtime(strategy_id).status)

    def entry(self, strategy_id: str) -> dict[str, object]:
        return self.supervisor.status_entry(strategy_id)

    def process(self, index: int = -1) -> FakeProcess:
        return self.launcher.processes[index]

    def log_text(self, strategy_id: str, run: str | None = None) -> str:
        return "\n".join(self.strategies.tail(strategy_id, 1000, run).lines)

    def restart_host(self) -> World:
        """A new host on the same data: new launcher, new supervisor (the old one is gone)."""
        return build_world(self.settings, self.db, self.box, self.clock, FakeLauncher())


def build_world(
    settings: Settings, db: Database, box: SecretBox, clock: FakeClock, launcher: FakeLauncher
) -> World:
    api_key: list[str | Exception] = [API_KEY]

    def current_key() -> str:
        value = api_key[0]
        if isinstance(value, Exception):
            raise value
        return value

    hosting = build_strategy_hosting(
        settings,
        db=db,
        box=box,
        clock=clock,
        redactor=SecretRedactor(),
        host_url=lambda: HOST_URL,
        api_key=current_key,
        live=LiveStreams(StreamSlots(8), StreamConfig(heartbeat_s=15.0, max_lifetime_s=600.0)),
        launcher=launcher,
        sleep=clock.advance,
        run_loop=False,
    )
    return World(settings, db, box, clock, launcher, hosting, api_key)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    settings = make_settings(tmp_path / "data", strategy_stop_grace_s=5.0, strategy_sample_s=1.0)
    settings.ensure_dirs()
    db = Database.from_url(settings.effective_database_url)
    upgrade_to_head(db.engine)
    built = build_world(settings, db, SecretBox.generate(settings.keys_dir), FakeClock(), FakeLauncher())
    built.supervisor.start()
    yield built
    db.dispose()


def tick(world: World, seconds: float = 0.0) -> None:
    world.clock.advance(seconds)
    world.supervisor.tick()


# Start -------------------------------------------------------------------------------------------
def test_start_spawns_the_hosts_python_with_a_built_environment(world: World) -> None:
    strategy_id = world.add("EMA", exchange="NFO")
    assert world.supervisor.start_strategy(strategy_id, reason="manual").status == "starting"
    assert world.launcher.processes == []  # requests never spawn; the loop does
    world.supervisor.tick()
    spec = world.launcher.specs[0]
    # The host's Python runs the confinement bootstrap, which confines itself, then the script.
    assert spec.argv[:2] == [sys.executable, "-u"]
    assert spec.argv[2].endswith("services/confinement.py")
    assert spec.argv[3].endswith(f"strategies/scripts/{strategy_id}.py")
    assert spec.cwd == world.settings.work_dir / strategy_id  # its own folder, outside DATA_DIR
    assert world.settings.data_dir not in spec.cwd.parents
    policy = Policy.from_json(spec.env[POLICY_ENV])
    assert str(world.settings.keys_dir) in policy.private
    assert str(spec.cwd) in policy.writable
    assert spec.env["STRATEGY_ID"] == strategy_id
    assert spec.env["STRATEGY_NAME"] == "EMA"
    assert spec.env["OPENALGO_HOST"] == HOST_URL
    assert spec.env["OPENALGO_API_KEY"] == API_KEY
    assert spec.env["OPENALGO_STRATEGY_EXCHANGE"] == "NFO"
    assert spec.env["OPENALGO_RUN_TOKEN"] == spec.token
    entry = world.entry(strategy_id)
    assert entry["status"] == "running"
    assert entry["pid"] == world.process().pid
    assert entry["desired_state"] == "running"
    assert entry["last_started"] is not None


def test_a_second_start_is_a_conflict_and_spawns_nothing(world: World) -> None:
    strategy_id = world.add()
    world.supervisor.start_strategy(strategy_id)
    with pytest.raises(Conflict):
        world.supervisor.start_strategy(strategy_id)  # starting
    world.supervisor.tick()
    with pytest.raises(Conflict):
        world.supervisor.start_strategy(strategy_id)  # running
    assert len(world.launcher.processes) == 1


def test_parallel_starts_and_stops_never_make_two_processes(world: World) -> None:
    strategy_id = world.add()
    barrier = threading.Barrier(20)

    def hammer(index: int) -> None:
        barrier.wait()
        try:
            if index % 2:
                world.supervisor.start_strategy(strategy_id)
            else:
                world.supervisor.stop_strategy(strategy_id)
        except Conflict:
            pass
        world.supervisor.tick()

    threads = [threading.Thread(target=hammer, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(world.launcher.alive) <= 1


def test_nothing_starts_while_the_supervisor_is_not_running(world: World) -> None:
    strategy_id = world.add()
    world.supervisor.stop()
    with pytest.raises(Unavailable):
        world.supervisor.start_strategy(strategy_id)
    assert world.launcher.processes == []


def test_a_spawn_failure_is_an_error_carrying_the_os_text(world: World) -> None:
    strategy_id = world.add()
    world.launcher.spawn_error = PermissionError(13, "Permission denied")
    assert world.run(strategy_id) == "error"
    entry = world.entry(strategy_id)
    assert entry["error"] == "Could not start the process: Permission denied"
    assert entry["desired_state"] == "stopped"
    assert "could not start: Could not start the process: Permission denied" in world.log_text(strategy_id)


def test_an_unreadable_secret_is_an_error_and_nothing_is_wiped(world: World) -> None:
    strategy_id = world.add()
    world.strategies.set_variables(strategy_id, {"secure": {"BROKER_PIN": "1234"}})
    world.api_key[0] = SecretUnreadable("A stored secret cannot be decrypted")
    assert world.run(strategy_id) == "error"
    assert world.entry(strategy_id)["error"] == "A stored secret cannot be decrypted"
    assert world.launcher.processes == []
    assert world.strategies.variables(strategy_id).secure == ["BROKER_PIN"]


# Stop --------------------------------------------------------------------------------------------
def test_stop_sends_sigterm_then_sigkill_after_the_grace_period(world: World) -> None:
    strategy_id = world.add()
    world.run(strategy_id)
    process = world.process()
    process.ignores_stop = True
    runtime = world.supervisor.stop_strategy(strategy_id)
    assert runtime.status == "stopping"
    assert process.signals == [signal.SIGTERM]
    tick(world, 4.9)
    assert world.entry(strategy_id)["status"] == "stopping"
    tick(world, 0.2)  # grace over: SIGKILL
    assert process.signals == [signal.SIGTERM, signal.SIGKILL]
    tick(world)
    entry = world.entry(strategy_id)
    assert entry["status"] == "stopped"
    assert entry["desired_state"] == "stopped"
    assert entry["exit_signal"] == "SIGKILL"
    assert entry["stop_reason"] == "stopped by user"
    assert process.finished
    log = world.log_text(strategy_id)
    assert "sending SIGKILL" in log
    assert "Run ended" in log
    assert "killed by signal SIGKILL" in log


def test_the_stop_signal_can_be_sigint(world: World) -> None:
    strategy_id = world.add(stop_signal="SIGINT")
    world.run(strategy_id)
    world.supervisor.stop_strategy(strategy_id)
    assert world.process().signals == [signal.SIGINT]
    tick(world)
    assert world.entry(strategy_id)["status"] == "stopped"


def test_a_stop_before_the_spawn_cancels_the_start(world: World) -> None:
    strategy_id = world.add()
    world.supervisor.start_strategy(strategy_id)
    assert world.supervisor.stop_strategy(strategy_id).status == "stopped"
    tick(world)
    assert world.launcher.processes == []
    assert world.entry(strategy_id)["desired_state"] == "stopped"


def test_stopping_a_stopped_strategy_is_a_conflict(world: World) -> None:
    strategy_id = world.add()
    with pytest.raises(Conflict):
        world.supervisor.stop_strategy(strategy_id)


# Exits and crashes ---------------------------------------------------------------------------------
def test_a_strategy_that_ended_by_itself_can_start_again_at_once(world: World) -> None:
    strategy_id = world.add()
    world.run(strategy_id)
    world.process().end(0)
    tick(world)
    entry = world.entry(strategy_id)
    assert entry["status"] == "stopped"
    assert entry["exit_code"] == 0
    assert entry["desired_state"] == "stopped"
    assert entry["stop_reason"] == "ended by itself"
    assert world.run(strategy_id) == "running"
    assert len(world.launcher.processes) == 2


def test_a_crash_is_an_error_with_exit_code_and_last_lines(world: World) -> None:
    strategy_id = world.add()
    world.run(strategy_id)
    world.process().print("Traceback (most recent call last):", "ValueError: boom", stream="err")
    world.process().end(3)
    tick(world)
    entry = world.entry(strategy_id)
    assert entry["status"] == "error"
    assert entry["exit_code"] == 3
    assert entry["error"] == "Crashed: exit code 3"
    assert any("[stderr] ValueError: boom" in line for line in entry["last_lines"])  # type: ignore[union-attr]
    assert entry["desired_state"] == "stopped"
    assert "exit code 3" in world.log_text(strategy_id).splitlines()[-1]
    world.strategies.clear_error(strategy_id)
    cleared = world.entry(strategy_id)
    assert cleared["status"] == "stopped"
    assert cleared["error"] is None


def test_death_by_a_signal_shows_the_signal_name(world: World) -> None:
    strategy_id = world.add()
    world.run(strategy_id)
    world.process().die(signal.SIGKILL)
    tick(world)
    entry = world.entry(strategy_id)
    assert entry["status"] == "error"
    assert entry["exit_signal"] == "SIGKILL"
    assert entry["error"] == "Crashed: killed by signal SIGKILL"


def test_crash_restart_is_opt_in_with_doubling_backoff_and_gives_up_after_five(world: World) -> None:
    strategy_id = world.add(restart_on_crash=True)
    world.run(strategy_id)
    for failure, delay in enumerate([1.0, 2.0, 4.0, 8.0], start=1):
        world.process().end(1)
        tick(world, 10)  # a short run: counts as a failure
        entry = world.entry(strategy_id)
        assert entry["status"] == "waiting"
        assert f"restarting in {delay:g} s (failure {failure} of 5)" in str(entry["reason"])
        assert entry["desired_state"] == "running"
        tick(world, delay - 0.1)
        assert world.entry(strategy_id)["status"] == "waiting"
        tick(world, 0.2)
        assert world.entry(strategy_id)["status"] == "running"
        assert len(world.launcher.processes) == failure + 1
    world.process().end(1)
    tick(world, 10)
    entry = world.entry(strategy_id)
    assert entry["status"] == "error"
    assert "Gave up after 5 failed runs" in str(entry["error"])
    assert entry["desired_state"] == "stopped"


def test_a_crash_after_a_healthy_run_is_forgiven(world: World) -> None:
    strategy_id = world.add(restart_on_crash=True)
    world.run(strategy_id)
    world.process().end(1)
    tick(world, 10)
    tick(world, 1.1)  # restarted after 1 s (failure 1)
    world.process().end(1)
    tick(world, 301)  # this run lasted over 5 minutes
    entry = world.entry(strategy_id)
    assert entry["status"] == "waiting"
    assert entry["restart_failures"] == 0
    assert "after a healthy run; restarting in 1 s" in str(entry["reason"])


def test_without_the_opt_in_a_crash_is_not_restarted(world: World) -> None:
    strategy_id = world.add()
    world.run(strategy_id)
    world.process().end(1)
    tick(world, 100)
    tick(world, 100)
    assert world.entry(strategy_id)["status"] == "error"
    assert len(world.launcher.processes) == 1


# Start gate, memory, status ------------------------------------------------------------------------
def test_the_start_gate_makes_a_start_wait_until_it_clears(world: World) -> None:
    strategy_id = world.add()
    reason: list[str | None] = ["waiting for master contract"]
    seen: list[StrategyRecord] = []

    def gate(record: StrategyRecord) -> str | None:
        seen.append(record)
        return reason[0]

    world.supervisor.set_start_gate(gate)
    assert world.supervisor.start_strategy(strategy_id).status == "waiting"
    assert world.entry(strategy_id)["reason"] == "waiting for master contract"
    assert world.entry(strategy_id)["desired_state"] == "running"
    tick(world, 1)
    assert world.launcher.processes == []
    reason[0] = None
    tick(world, 1)
    assert world.entry(strategy_id)["status"] == "running"
    assert seen[-1].id == strategy_id


def test_stopping_a_waiting_strategy_cancels_the_start(world: World) -> None:
    strategy_id = world.add()
    world.supervisor.set_start_gate(lambda record: "not yet")
    world.supervisor.start_strategy(strategy_id, reason="schedule")
    world.supervisor.stop_strategy(strategy_id, reason="schedule")
    world.supervisor.set_start_gate(None)
    tick(world, 5)
    entry = world.entry(strategy_id)
    assert entry["status"] == "stopped"
    assert entry["stop_reason"] == "stopped by schedule"
    assert world.launcher.processes == []


def test_the_memory_limit_stops_the_strategy_into_error(world: World) -> None:
    strategy_id = world.add(memory_limit_mb=100)
    world.run(strategy_id)
    process = world.process()
    world.launcher.samples[process.pid] = Sample(12.5, 150 * 1_048_576, 220 * 1_048_576)
    tick(world, 2)
    assert process.signals == [signal.SIGTERM]
    tick(world)
    entry = world.entry(strategy_id)
    assert entry["status"] == "error"
    assert entry["error"] == "Stopped: memory limit (220 MB used, limit 100 MB)"
    assert entry["stop_reason"] == "stopped: memory limit"


def test_status_serves_cached_samples_and_extensions(world: World) -> None:
    strategy_id = world.add()
    world.supervisor.add_status_extension(lambda sid: {"scheduled": True, "next_start": "09:15"})
    world.supervisor.set_master_contract_source(lambda: {"status": "downloading", "ready": False})
    world.run(strategy_id)
    world.launcher.samples[world.process().pid] = Sample(3.14159, 50 * 1_048_576)
    tick(world, 2)
    board = world.supervisor.status()
    entry = board["strategies"][0]
    assert entry["cpu_percent"] == 3.1
    assert entry["rss_mb"] == 50.0
    assert entry["uptime_s"] == 2.0
    assert entry["scheduled"] is True
    assert entry["next_start"] == "09:15"
    assert entry["next_stop"] is None
    assert board["master_contract"] == {"status": "downloading", "ready": False}
    assert board["now_ist"].endswith("+05:30")


def test_every_transition_is_an_event(world: World) -> None:
    strategy_id = world.add()
    world.run(strategy_id)
    world.supervisor.stop_strategy(strategy_id)
    tick(world)
    world.run(strategy_id)
    world.process().end(2)
    tick(world)
    kinds = [event.kind for event in world.hosting.events.after(0).events]
    assert kinds == [
        "created",
        "starting",
        "started",
        "stopping",
        "stopped",
        "starting",
        "started",
        "crashed",
    ]
    last = world.hosting.events.after(0).events[-1]
    assert last.strategy_id == strategy_id
    assert last.data["status"] == "error"


def test_edits_and_deletes_are_refused_while_running(world: World) -> None:
    strategy_id = world.add()
    world.run(strategy_id)
    with pytest.raises(Conflict):
        world.strategies.save_script(strategy_id, "print(2)\n")
    with pytest.raises(Conflict):
        world.strategies.set_variables(strategy_id, {"regular": {"A": "1"}})
    with pytest.raises(Conflict):
        world.strategies.update_settings(strategy_id, {"exchange": "MCX"})
    with pytest.raises(Conflict):
        world.strategies.delete(strategy_id)
    # Settings that only matter later may change while it runs.
    assert world.strategies.update_settings(strategy_id, {"stop_signal": "SIGINT"})["stop_signal"] == "SIGINT"


# Host shutdown and restart -------------------------------------------------------------------------
def test_graceful_shutdown_keeps_the_wish_and_the_next_start_restores(world: World) -> None:
    strategy_id = world.add()
    world.run(strategy_id)
    world.supervisor.stop()
    entry = world.entry(strategy_id)
    assert entry["status"] == "stopped"
    assert entry["stop_reason"] == "stopped by shutdown"
    assert entry["desired_state"] == "running"
    assert world.launcher.alive == []

    again = world.restart_host()
    again.supervisor.start()
    tick(again)
    assert again.entry(strategy_id)["status"] == "running"
    assert len(again.launcher.processes) == 1
    again.supervisor.stop()


def test_shutdown_escalates_a_strategy_that_ignores_its_stop_signal(world: World) -> None:
    strategy_id = world.add()
    world.run(strategy_id)
    world.process().ignores_stop = True
    world.supervisor.stop()
    assert world.process().signals == [signal.SIGTERM, signal.SIGKILL]
    assert world.entry(strategy_id)["status"] == "stopped"


def test_shutdown_stops_every_strategy_even_when_one_cannot_be_asked(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [world.add(f"S{n}") for n in range(3)]
    for strategy_id in ids:
        world.run(strategy_id)
    broken = world.process(0)
    runs = world.supervisor._runs
    request_stop = runs.request_stop

    def failing_for_the_first(slot: Any, request: Any, stop_signal: str) -> None:
        if slot.process is broken:
            raise OSError(28, "No space left on device")
        request_stop(slot, request, stop_signal)

    monkeypatch.setattr(runs, "request_stop", failing_for_the_first)
    world.supervisor.stop()
    assert world.process(1).signals == [signal.SIGTERM]
    assert world.process(2).signals == [signal.SIGTERM]
    assert broken.signals == [signal.SIGKILL]  # the final sweep: never left running unsupervised
    assert world.launcher.alive == []
    assert [world.entry(strategy_id)["status"] for strategy_id in ids] == ["stopped"] * 3
    assert "killed at host shutdown" in world.log_text(ids[0])


def test_every_reconcile_pass_checks_that_output_capture_runs(world: World) -> None:
    before = world.launcher.watchdog_checks
    tick(world)
    tick(world)
    assert world.launcher.watchdog_checks == before + 2


def test_after_a_crash_a_live_leftover_is_adopted_not_duplicated(world: World) -> None:
    strategy_id = world.add()
    world.run(strategy_id)
    leftover = world.process()
    # The host dies here: no shutdown. The next host finds the same process alive.
    again = world.restart_host()
    again.launcher.leftovers[leftover.token] = leftover
    again.supervisor.start()
    tick(again)
    assert again.entry(strategy_id)["status"] == "running"
    assert again.entry(strategy_id)["pid"] == leftover.pid
    assert again.launcher.processes == []  # nothing new spawned
    leftover.print("still trading")
    log = again.log_text(strategy_id)
    assert "adopted; this run continues" in log
    assert log.splitlines()[-1].endswith("still trading")
    again.supervisor.stop_strategy(strategy_id)
    tick(again)
    assert again.entry(strategy_id)["status"] == "stopped"


def test_a_leftover_that_cannot_be_adopted_is_killed_and_replaced(world: World) -> None:
    strategy_id = world.add()
    world.run(strategy_id)
    leftover = world.process()
    again = world.restart_host()
    again.launcher.leftovers[leftover.token] = leftover
    again.launcher.reattach_ok = False  # its output pipes are gone
    again.supervisor.start()
    tick(again)
    assert leftover.exit is not None and leftover.finished
    assert again.entry(strategy_id)["status"] == "running"
    assert len(again.launcher.alive) == 1


def test_a_run_that_died_with_the_host_is_closed_and_restored(world: World) -> None:
    strategy_id = world.add()
    world.run(strategy_id)
    token = world.process().token
    again = world.restart_host()  # no leftover found: the process is gone
    again.supervisor.start()
    assert again.launcher.killed_tokens == [token]  # escaped descendants of that run are swept
    tick(again)
    assert again.entry(strategy_id)["status"] == "running"
    previous, current = again.strategies.runs(strategy_id)[1], again.strategies.runs(strategy_id)[0]
    assert "had ended while the host was down" in again.log_text(strategy_id, previous.run)
    assert "started: restore" in again.log_text(strategy_id, current.run)


def test_a_spawn_is_recorded_in_the_same_pass_and_a_crash_before_that_loses_nothing(world: World) -> None:
    strategy_id = world.add()
    world.supervisor.start_strategy(strategy_id)
    stored = world.strategies.get(strategy_id)
    assert (stored.desired_state, stored.run_pid) == ("running", None)  # the wish is stored first
    world.supervisor.tick()
    process = world.process()
    stored = world.strategies.get(strategy_id)
    assert (stored.run_token, stored.run_pid, stored.run_create_time) == (process.token, process.pid, 1.0)

    # Had the host died between the spawn and that write, the row would hold only the token:
    StrategyRepository(world.db).set_columns(strategy_id, run_pid=None, run_create_time=None)
    again = world.restart_host()
    again.supervisor.start()
    assert again.launcher.killed_tokens == [process.token]  # found by its token and killed
    tick(again)
    assert again.entry(strategy_id)["status"] == "running"
    assert len(again.launcher.processes) == 1


def test_an_error_and_its_last_lines_are_still_shown_after_a_host_restart(world: World) -> None:
    strategy_id = world.add()
    world.run(strategy_id)
    world.process().print("ZeroDivisionError: division by zero", stream="err")
    world.process().end(1)
    tick(world)
    world.supervisor.stop()

    again = world.restart_host()
    again.supervisor.start()
    entry = again.entry(strategy_id)
    assert entry["status"] == "error"
    assert entry["error"] == "Crashed: exit code 1"
    assert any("ZeroDivisionError" in line for line in entry["last_lines"])  # type: ignore[union-attr]
    tick(again)
    assert again.launcher.processes == []  # a crashed strategy is not restarted by a host restart
