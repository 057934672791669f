"""The scheduler and the trader: manual starts and stops, host restarts, the master contract,
unscheduling and deleting, on a fake clock (Monday 23 Nov 2026 is a regular trading day).

The schedule never fights a manual action: a manual start outside the window runs until the next
scheduled stop, a manual stop inside the window holds until the next scheduled start.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.errors import NotFound
from services.schedules.policy import ManualAction
from tests.support.schedules import ist
from tests.support.scheduling import SchedWorld, make_sched_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SchedWorld]:
    built = make_sched_world(tmp_path / "data", ist(2026, 11, 23, 8, 0))
    yield built
    built.db.dispose()


def manual_start(world: SchedWorld, strategy_id: str) -> None:
    world.supervisor.start_strategy(strategy_id, reason="manual")
    world.supervisor.tick()


def manual_stop(world: SchedWorld, strategy_id: str) -> None:
    world.supervisor.stop_strategy(strategy_id, reason="manual")
    world.supervisor.tick()


# --- Manual overrides ------------------------------------------------------------------------------
def test_a_manual_start_outside_the_window_runs_until_the_scheduled_stop(world: SchedWorld) -> None:
    strategy_id = world.add()
    world.schedule(strategy_id)
    manual_start(world, strategy_id)  # 08:00, before the window
    assert world.scheduling.plans.get(strategy_id).manual.action is ManualAction.START  # type: ignore[union-attr]
    world.tick(ist(2026, 11, 23, 8, 0, second=2))
    assert world.status(strategy_id) == "running"
    assert world.entry(strategy_id)["status_reason"] == (
        "manually started; the scheduled stop at 2026-11-23 15:30 IST stops it"
    )
    world.fire(strategy_id, ist(2026, 11, 23, 9, 15))  # the window opens: no second process
    assert world.status(strategy_id) == "running" and world.spawned() == 1
    world.fire(strategy_id, ist(2026, 11, 23, 15, 30))
    assert world.entry(strategy_id)["stop_reason"] == "stopped by schedule"


def test_a_manual_start_after_the_window_runs_until_the_next_days_stop(world: SchedWorld) -> None:
    strategy_id = world.add()
    world.schedule(strategy_id)
    world.at(ist(2026, 11, 23, 16, 0))
    manual_start(world, strategy_id)
    for moment in (ist(2026, 11, 23, 23, 0), ist(2026, 11, 25, 9, 15), ist(2026, 11, 25, 15, 29)):
        world.tick(moment)
        assert world.status(strategy_id) == "running"
    world.fire(strategy_id, ist(2026, 11, 25, 15, 30))  # the 24th is a holiday: no stop that day
    assert world.status(strategy_id) == "stopped"
    assert world.spawned() == 1


def test_a_manual_stop_inside_the_window_sticks_until_the_next_scheduled_start(world: SchedWorld) -> None:
    strategy_id = world.add()
    world.schedule(strategy_id)
    world.fire(strategy_id, ist(2026, 11, 23, 9, 15))
    world.at(ist(2026, 11, 23, 10, 0))
    manual_stop(world, strategy_id)
    assert world.status(strategy_id) == "stopped"
    for moment in (ist(2026, 11, 23, 10, 0, second=2), ist(2026, 11, 23, 12, 0), ist(2026, 11, 23, 15, 29)):
        world.tick(moment)
        assert world.status(strategy_id) == "stopped"
    entry = world.entry(strategy_id)
    assert entry["status_reason"] == "manually stopped until next scheduled start 2026-11-25 09:15 IST"
    assert entry["note"] == entry["status_reason"]
    world.fire(strategy_id, ist(2026, 11, 25, 9, 15))
    assert world.status(strategy_id) == "running" and world.spawned() == 2


def test_a_manual_start_after_a_manual_stop_inside_the_window_runs_again(world: SchedWorld) -> None:
    strategy_id = world.add()
    world.schedule(strategy_id)
    world.fire(strategy_id, ist(2026, 11, 23, 9, 15))
    world.at(ist(2026, 11, 23, 10, 0))
    manual_stop(world, strategy_id)
    world.at(ist(2026, 11, 23, 11, 0))
    manual_start(world, strategy_id)
    world.tick(ist(2026, 11, 23, 11, 0, second=2))
    assert world.status(strategy_id) == "running" and world.spawned() == 2
    world.fire(strategy_id, ist(2026, 11, 23, 15, 30))
    assert world.status(strategy_id) == "stopped"


def test_stop_all_is_a_manual_stop_the_schedule_does_not_undo(world: SchedWorld) -> None:
    strategy_id = world.add()
    world.schedule(strategy_id)
    world.fire(strategy_id, ist(2026, 11, 23, 9, 15))
    assert world.supervisor.stop_all() == 1
    world.tick()
    world.tick(ist(2026, 11, 23, 12, 0))
    assert world.status(strategy_id) == "stopped" and world.alive() == 0


def test_a_crash_inside_the_window_is_not_restarted_by_the_schedule(world: SchedWorld) -> None:
    strategy_id = world.add()
    world.schedule(strategy_id)
    world.fire(strategy_id, ist(2026, 11, 23, 9, 15))
    world.launcher.processes[-1].end(3)
    world.tick(ist(2026, 11, 23, 10, 0))
    world.tick(ist(2026, 11, 23, 11, 0))
    assert world.status(strategy_id) == "error" and world.spawned() == 1
    world.fire(strategy_id, ist(2026, 11, 25, 9, 15))  # the next window starts it again
    assert world.status(strategy_id) == "running"


# --- Host restarts ---------------------------------------------------------------------------------
def test_a_restart_inside_the_window_restores_the_strategy(world: SchedWorld) -> None:
    strategy_id = world.add()
    world.schedule(strategy_id)
    world.fire(strategy_id, ist(2026, 11, 23, 9, 15))
    world.at(ist(2026, 11, 23, 10, 0))
    again = world.restart_host()
    assert again.scheduling.jobs.job_ids() == [
        f"schedule:{strategy_id}:start",
        f"schedule:{strategy_id}:stop",
    ]
    again.tick(ist(2026, 11, 23, 10, 5))
    assert again.status(strategy_id) == "running"
    assert "started: restore" in again.log_text(strategy_id)
    again.fire(strategy_id, ist(2026, 11, 23, 15, 30))
    assert again.status(strategy_id) == "stopped"


def test_a_host_down_at_the_start_time_starts_the_strategy_when_it_comes_back(world: SchedWorld) -> None:
    strategy_id = world.add()
    world.schedule(strategy_id)
    world.shutdown()  # 08:00: the host goes down before the window
    world.at(ist(2026, 11, 23, 9, 20))
    again = world.restart_host(graceful=False)
    again.tick()
    assert again.status(strategy_id) == "running"
    assert "started: schedule" in again.log_text(strategy_id)


def test_a_restart_outside_the_window_starts_nothing(world: SchedWorld) -> None:
    strategy_id = world.add()
    world.schedule(strategy_id)
    world.fire(strategy_id, ist(2026, 11, 23, 9, 15))
    world.at(ist(2026, 11, 23, 15, 0))
    world.shutdown()  # stopped by shutdown, the wish to run kept
    world.at(ist(2026, 11, 23, 16, 0))
    again = world.restart_host(graceful=False)
    again.tick()
    again.tick()
    entry = again.entry(strategy_id)
    assert entry["status"] == "stopped" and again.spawned() == 0
    assert entry["desired_state"] == "stopped"
    assert entry["status_reason"] == "outside schedule window; next start 2026-11-25 09:15 IST"


def test_after_a_host_crash_a_leftover_outside_the_window_is_adopted_then_stopped(world: SchedWorld) -> None:
    strategy_id = world.add()
    world.schedule(strategy_id)
    world.fire(strategy_id, ist(2026, 11, 23, 9, 15))
    leftover = world.launcher.processes[-1]
    world.at(ist(2026, 11, 23, 16, 0))  # the host died at 15:00; the stop was missed
    again = world.restart_host(graceful=False, leftovers=[leftover])
    assert again.status(strategy_id) == "running"  # adopted: never a second process
    again.tick()
    entry = again.entry(strategy_id)
    assert entry["status"] == "stopped" and entry["stop_reason"] == "stopped by schedule"
    assert leftover.exit is not None and again.spawned() == 0


def test_a_restart_on_a_holiday_starts_nothing_and_says_why(tmp_path: Path) -> None:
    world = make_sched_world(tmp_path / "data", ist(2026, 4, 13, 10, 0))
    strategy_id = world.add()
    world.schedule(strategy_id)
    world.tick()
    assert world.status(strategy_id) == "running"
    world.at(ist(2026, 4, 14, 8, 0))
    world.shutdown()
    world.at(ist(2026, 4, 14, 10, 0))
    again = world.restart_host(graceful=False)
    again.tick()
    again.tick()
    assert again.status(strategy_id) == "stopped" and again.spawned() == 0
    assert again.entry(strategy_id)["status_reason"] == "NSE holiday: Dr. Baba Saheb Ambedkar Jayanti"
    world.db.dispose()


# --- The master contract ---------------------------------------------------------------------------
def test_contracts_ready_late_inside_the_window_start_the_waiting_strategy(world: SchedWorld) -> None:
    strategy_id = world.add()
    world.schedule(strategy_id)
    world.contracts.set(False)
    world.fire(strategy_id, ist(2026, 11, 23, 9, 15))
    entry = world.entry(strategy_id)
    assert entry["status"] == "waiting"
    assert entry["status_reason"] == entry["note"] == "waiting for master contract"
    world.tick(ist(2026, 11, 23, 9, 19))
    assert world.status(strategy_id) == "waiting" and world.spawned() == 0
    world.at(ist(2026, 11, 23, 9, 20))
    world.contracts.set(True)
    world.scheduling.contracts_changed()
    world.supervisor.tick()
    assert world.status(strategy_id) == "running"


def test_contracts_ready_after_the_window_start_nothing(world: SchedWorld) -> None:
    strategy_id = world.add()
    world.schedule(strategy_id)
    world.contracts.set(False)
    world.fire(strategy_id, ist(2026, 11, 23, 9, 15))
    world.fire(strategy_id, ist(2026, 11, 23, 15, 30))
    assert world.status(strategy_id) == "stopped"
    world.at(ist(2026, 11, 23, 15, 45))
    world.contracts.set(True)
    check = world.scheduling.check_contracts()
    world.tick()
    assert world.status(strategy_id) == "stopped" and world.spawned() == 0
    assert check.started == [] and check.waiting == []


def test_every_start_waits_for_the_contract_and_check_contracts_releases_it(world: SchedWorld) -> None:
    unscheduled = world.add("Manual")
    scheduled = world.add("Scheduled")
    world.schedule(scheduled)
    world.contracts.set(False)
    world.at(ist(2026, 11, 23, 9, 30))
    assert world.supervisor.start_strategy(unscheduled, reason="manual").status == "waiting"
    world.tick()
    assert world.status(scheduled) == "waiting"
    waiting = world.scheduling.check_contracts()
    assert waiting.master_contract == {"status": "downloading", "ready": False}
    assert {item["id"] for item in waiting.waiting} == {unscheduled, scheduled}
    assert world.entry(unscheduled)["status_reason"] == "waiting for master contract"
    world.contracts.set(True)
    check = world.scheduling.check_contracts()
    assert sorted(check.started) == sorted([unscheduled, scheduled]) and check.waiting == []
    world.supervisor.tick()
    assert (world.status(unscheduled), world.status(scheduled)) == ("running", "running")


# --- Unschedule, schedule a running strategy, delete -----------------------------------------------
def test_unscheduling_leaves_a_running_strategy_running(world: SchedWorld) -> None:
    strategy_id = world.add()
    world.schedule(strategy_id)
    world.fire(strategy_id, ist(2026, 11, 23, 9, 15))
    result = world.scheduling.unschedule(strategy_id)
    assert result.message == "Schedule removed. It keeps running until you stop it."
    assert result.entry["scheduled"] is False and result.entry["schedule"] is None
    assert world.scheduling.jobs.job_ids() == []
    world.tick(ist(2026, 11, 23, 15, 30))
    world.tick(ist(2026, 11, 24, 3, 0))
    assert world.status(strategy_id) == "running"
    assert world.entry(strategy_id)["status_reason"] is None
    assert [event.kind for event in world.events_of(strategy_id)][-1] == "updated"


def test_a_schedule_saved_on_a_running_strategy_keeps_it_until_the_next_stop(world: SchedWorld) -> None:
    strategy_id = world.add()
    world.at(ist(2026, 11, 23, 16, 0))
    manual_start(world, strategy_id)
    result = world.schedule(strategy_id)
    assert result.message.endswith("It keeps running until the next scheduled stop, 2026-11-25 15:30 IST.")
    world.tick(ist(2026, 11, 23, 16, 0, second=2))
    assert world.status(strategy_id) == "running"
    world.fire(strategy_id, ist(2026, 11, 25, 15, 30))
    assert world.status(strategy_id) == "stopped"


def test_a_schedule_saved_inside_its_window_starts_the_strategy(world: SchedWorld) -> None:
    strategy_id = world.add()
    world.at(ist(2026, 11, 23, 10, 0))
    result = world.schedule(strategy_id)
    assert result.message == "Schedule saved: 09:15–15:30 IST, Mon–Fri. Inside its window now: starting."
    world.supervisor.tick()
    assert world.status(strategy_id) == "running"


def test_deleting_a_strategy_drops_its_jobs_and_plan(world: SchedWorld) -> None:
    strategy_id = world.add()
    world.schedule(strategy_id)
    world.strategies.delete(strategy_id)
    assert world.scheduling.jobs.job_ids() == []
    assert world.scheduling.plans.get(strategy_id).schedule is None
    world.tick(ist(2026, 11, 23, 9, 15))
    with pytest.raises(NotFound):
        world.scheduling.set_schedule(strategy_id, {})
    again = world.restart_host()
    assert again.scheduling.plans.scheduled() == {}


def test_a_crash_restart_inside_the_window_says_it_is_restarting(world: SchedWorld) -> None:
    strategy_id = world.add()
    world.strategies.update_settings(strategy_id, {"restart_on_crash": True})
    world.schedule(strategy_id)
    world.fire(strategy_id, ist(2026, 11, 23, 9, 15))
    world.launcher.processes[-1].end(3)
    world.tick(ist(2026, 11, 23, 10, 0))
    entry = world.entry(strategy_id)
    assert entry["status"] == "waiting" and entry["status_reason"] is None
    assert entry["note"] == "Crashed: exit code 3 after a healthy run; restarting in 1 s"
    world.tick(ist(2026, 11, 23, 10, 0, second=2))
    assert world.status(strategy_id) == "running" and world.spawned() == 2
    world.launcher.processes[-1].end(3)
    world.tick(ist(2026, 11, 23, 15, 30))  # the window closed while a restart was pending
    assert world.status(strategy_id) == "stopped" and world.spawned() == 2


def test_unscheduling_a_restore_held_by_the_schedule_ends_the_wait_instead_of_starting(
    world: SchedWorld,
) -> None:
    strategy_id = world.add()
    world.schedule(strategy_id)
    world.fire(strategy_id, ist(2026, 11, 23, 9, 15))
    world.at(ist(2026, 11, 23, 15, 0))
    world.shutdown()  # stopped by shutdown, the wish to run kept
    world.at(ist(2026, 11, 23, 16, 0))
    again = world.restart_host(graceful=False)
    again.supervisor.tick()  # the supervisor's restore comes first: the gate holds it
    held = again.entry(strategy_id)
    assert held["status"] == "waiting"
    assert held["reason"] == "outside schedule window; next start 2026-11-25 09:15 IST"
    again.scheduling.unschedule(strategy_id)
    again.supervisor.tick()
    assert again.status(strategy_id) == "stopped" and again.spawned() == 0
