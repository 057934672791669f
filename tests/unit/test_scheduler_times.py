"""The scheduler on a fake clock: exact start/stop instants, overnight windows, the exchange
calendar (2026-04-14, the Muhurat Sunday, a plain Sunday), invalid edits, failing starts.

Each test sets IST moments and calls what APScheduler and the loops would: ``fire`` (a job at its
instant) and ``tick`` (a reconcile pass). Monday 23 Nov 2026 is a regular trading day.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.errors import InvalidInput
from services.schedules.jobs import MOVED_START, MOVED_STOP, START, STOP
from tests.support.schedules import ist
from tests.support.scheduling import EVERY_DAY, SchedWorld, make_sched_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SchedWorld]:
    built = make_sched_world(tmp_path / "data", ist(2026, 11, 23, 8, 0))
    yield built
    built.db.dispose()


# --- Exact instants ------------------------------------------------------------------------------
def test_the_cron_jobs_fire_at_the_exact_start_and_stop_and_the_policy_follows(world: SchedWorld) -> None:
    strategy_id = world.add()
    result = world.schedule(strategy_id)  # 09:15–15:30 Mon–Fri, NSE
    assert result.message == "Schedule saved: 09:15–15:30 IST, Mon–Fri. Next start 2026-11-23 09:15 IST."
    jobs = world.scheduling.jobs
    assert jobs.job_ids() == [f"schedule:{strategy_id}:start", f"schedule:{strategy_id}:stop"]
    assert jobs.next_fire(strategy_id, START, world.clock.now()) == ist(2026, 11, 23, 9, 15)
    assert jobs.next_fire(strategy_id, STOP, world.clock.now()) == ist(2026, 11, 23, 15, 30)
    entry = world.entry(strategy_id)
    assert entry["scheduled"] is True
    assert entry["badge"] == "scheduled"
    assert entry["schedule"] == {
        "start": "09:15",
        "stop": "15:30",
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "exchange": "NSE",
        "ignore_holidays": False,
        "summary": "09:15–15:30 IST, Mon–Fri",
    }
    assert (entry["next_start"], entry["next_stop"]) == (
        "2026-11-23T09:15:00+05:30",
        "2026-11-23T15:30:00+05:30",
    )
    assert entry["status_reason"] == "outside schedule window; next start 2026-11-23 09:15 IST"

    world.tick(ist(2026, 11, 23, 9, 14, second=59))
    assert world.status(strategy_id) == "stopped" and world.spawned() == 0
    world.fire(strategy_id, ist(2026, 11, 23, 9, 15))
    assert world.status(strategy_id) == "running"
    assert "started: schedule" in world.log_text(strategy_id)
    assert world.entry(strategy_id)["status_reason"] == "inside schedule window until 2026-11-23 15:30 IST"
    assert world.entry(strategy_id)["next_start"] == "2026-11-25T09:15:00+05:30"  # 24th: holiday

    world.tick(ist(2026, 11, 23, 15, 29, second=59))
    assert world.status(strategy_id) == "running"
    world.fire(strategy_id, ist(2026, 11, 23, 15, 30))
    entry = world.entry(strategy_id)
    assert entry["status"] == "stopped"
    assert entry["stop_reason"] == "stopped by schedule"
    assert entry["desired_state"] == "stopped"
    assert world.spawned() == 1 and world.alive() == 0
    # Tuesday 24 Nov is an NSE holiday: the cron job fires, the policy keeps it stopped.
    world.fire(strategy_id, ist(2026, 11, 24, 9, 15))
    assert world.status(strategy_id) == "stopped" and world.spawned() == 1
    assert world.entry(strategy_id)["status_reason"] == "NSE holiday: Prakash Gurpurb Sri Guru Nanak Dev"
    assert world.entry(strategy_id)["next_start"] == "2026-11-25T09:15:00+05:30"


def test_the_reconcile_pass_alone_starts_and_stops_on_time_when_the_scheduler_stalls(
    world: SchedWorld,
) -> None:
    strategy_id = world.add()
    world.schedule(strategy_id)
    world.tick(ist(2026, 11, 23, 9, 15, second=1))  # no job fired: the loop's next pass
    assert world.status(strategy_id) == "running"
    world.tick(ist(2026, 11, 23, 15, 30, second=1))
    assert world.status(strategy_id) == "stopped"


def test_an_overnight_window_stops_on_the_next_day_even_when_it_is_not_listed(world: SchedWorld) -> None:
    strategy_id = world.add("Night", exchange="MCX")
    world.schedule(strategy_id, "21:00", "02:00", ["fri"])
    assert world.entry(strategy_id)["schedule"]["summary"] == "21:00–02:00 IST (next day), Fri"
    jobs = world.scheduling.jobs
    assert jobs.next_fire(strategy_id, START, world.clock.now()) == ist(2026, 11, 27, 21, 0)
    assert jobs.next_fire(strategy_id, STOP, world.clock.now()) == ist(2026, 11, 28, 2, 0)  # Saturday
    world.fire(strategy_id, ist(2026, 11, 27, 21, 0))
    assert world.status(strategy_id) == "running"
    world.tick(ist(2026, 11, 28, 1, 59, second=59))
    assert world.status(strategy_id) == "running"
    world.fire(strategy_id, ist(2026, 11, 28, 2, 0))
    assert world.entry(strategy_id)["stop_reason"] == "stopped by schedule"
    world.tick(ist(2026, 11, 28, 21, 0))  # Saturday is not listed
    assert world.status(strategy_id) == "stopped" and world.spawned() == 1


# --- The exchange calendar ------------------------------------------------------------------------
def test_on_2026_04_14_nse_stays_closed_and_mcx_runs_its_evening_session(tmp_path: Path) -> None:
    world = make_sched_world(tmp_path / "data", ist(2026, 4, 14, 8, 0))
    nse = world.add("Equity", exchange="NSE")
    mcx = world.add("Crude", exchange="MCX")
    world.schedule(nse)
    world.schedule(mcx, "09:00", "23:55")
    world.fire(mcx, ist(2026, 4, 14, 9, 0))
    world.fire(nse, ist(2026, 4, 14, 9, 15))
    world.tick(ist(2026, 4, 14, 12, 0))
    assert (world.status(nse), world.status(mcx)) == ("stopped", "stopped")
    assert world.spawned() == 0
    assert world.entry(nse)["status_reason"] == "NSE holiday: Dr. Baba Saheb Ambedkar Jayanti"
    assert world.entry(nse)["next_start"] == "2026-04-15T09:15:00+05:30"
    assert world.entry(mcx)["status_reason"] == (
        "MCX holiday: Dr. Baba Saheb Ambedkar Jayanti (open 17:00–23:55 IST only)"
    )
    assert world.entry(mcx)["next_start"] == "2026-04-14T17:00:00+05:30"
    # The calendar moved MCX's start off the cron instant: a one-off job fires at 17:00 sharp.
    jobs = world.scheduling.jobs
    assert jobs.next_fire(mcx, MOVED_START, world.clock.now()) == ist(2026, 4, 14, 17, 0)
    assert jobs.trigger(mcx, MOVED_STOP) is None  # 23:55 is the cron stop anyway
    world.fire(mcx, ist(2026, 4, 14, 17, 0))
    assert world.status(mcx) == "running" and world.status(nse) == "stopped"
    world.fire(mcx, ist(2026, 4, 14, 23, 55))
    assert world.entry(mcx)["stop_reason"] == "stopped by schedule"
    world.fire(nse, ist(2026, 4, 15, 9, 15))
    assert world.status(nse) == "running"
    world.db.dispose()


def test_the_muhurat_session_runs_on_sunday_2026_11_08_and_a_plain_sunday_does_not(tmp_path: Path) -> None:
    world = make_sched_world(tmp_path / "data", ist(2026, 11, 8, 8, 0))
    muhurat = world.add("Muhurat", exchange="NSE")
    world.schedule(muhurat, "17:45", "19:30", EVERY_DAY)
    day_trader = world.add("Day", exchange="NSE")
    world.schedule(day_trader, "09:15", "15:30", EVERY_DAY)
    entry = world.entry(muhurat)
    assert (entry["next_start"], entry["next_stop"]) == (
        "2026-11-08T18:00:00+05:30",
        "2026-11-08T19:00:00+05:30",
    )
    world.fire(day_trader, ist(2026, 11, 8, 9, 15))
    assert world.status(day_trader) == "stopped"  # its window misses the special session
    world.fire(muhurat, ist(2026, 11, 8, 17, 45))  # the cron instant: the session opens later
    assert world.status(muhurat) == "stopped"
    assert world.entry(muhurat)["status_reason"] == (
        "NSE special session: Muhurat trading (Diwali Laxmi Pujan) (18:00–19:00 IST)"
    )
    jobs = world.scheduling.jobs
    assert jobs.next_fire(muhurat, MOVED_START, world.clock.now()) == ist(2026, 11, 8, 18, 0)
    assert jobs.next_fire(muhurat, MOVED_STOP, world.clock.now()) == ist(2026, 11, 8, 19, 0)
    world.fire(muhurat, ist(2026, 11, 8, 18, 0))
    assert world.status(muhurat) == "running"
    world.fire(muhurat, ist(2026, 11, 8, 19, 0))
    assert world.entry(muhurat)["stop_reason"] == "stopped by schedule"
    # Sunday 15 Nov: no session at all.
    world.fire(muhurat, ist(2026, 11, 15, 17, 45))
    world.tick(ist(2026, 11, 15, 18, 30))
    assert world.status(muhurat) == "stopped" and world.spawned() == 1
    assert world.entry(muhurat)["status_reason"] == "NSE closed on Sunday"
    world.db.dispose()


def test_on_a_plain_sunday_only_crypto_runs(tmp_path: Path) -> None:
    world = make_sched_world(tmp_path / "data", ist(2026, 11, 22, 8, 0))
    ids = {exchange: world.add(exchange, exchange=exchange) for exchange in ("NSE", "MCX", "CDS", "CRYPTO")}
    for strategy_id in ids.values():
        world.schedule(strategy_id, "10:00", "11:00", EVERY_DAY)
    world.tick(ist(2026, 11, 22, 10, 0))
    assert {name: world.status(sid) for name, sid in ids.items()} == {
        "NSE": "stopped",
        "MCX": "stopped",
        "CDS": "stopped",
        "CRYPTO": "running",
    }
    assert world.entry(ids["MCX"])["status_reason"] == "MCX closed on Sunday"
    world.db.dispose()


def test_ignoring_holidays_runs_on_every_listed_day(world: SchedWorld) -> None:
    strategy_id = world.add()
    world.schedule(strategy_id, ignore_holidays=True)
    assert world.entry(strategy_id)["schedule"]["summary"] == "09:15–15:30 IST, Mon–Fri, ignoring holidays"
    world.fire(strategy_id, ist(2026, 11, 24, 9, 15))  # the NSE holiday
    assert world.status(strategy_id) == "running"


# --- Edits ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"schedule_start": "9:5"}, "schedule_start"),
        ({"schedule_start": "24:00"}, "schedule_start"),
        ({"schedule_stop": "12:60"}, "schedule_stop"),
        ({"schedule_start": "11:00"}, "schedule_stop"),
        ({"schedule_days": []}, "schedule_days"),
        ({"schedule_days": ["mon", "funday"]}, "schedule_days"),
        ({"exchange": "NYSE"}, "exchange"),
    ],
    ids=["9:5", "24:00", "12:60", "start-equals-stop", "no-days", "bad-day", "exchange"],
)
def test_an_invalid_edit_changes_nothing_and_the_old_schedule_keeps_working(
    world: SchedWorld, change: dict[str, object], field: str
) -> None:
    strategy_id = world.add()
    world.schedule(strategy_id)
    before = (
        world.entry(strategy_id),
        world.scheduling.jobs.job_ids(),
        world.scheduling.plans.get(strategy_id),
    )
    payload = {"schedule_start": "10:00", "schedule_stop": "11:00", "schedule_days": ["mon"], **change}
    with pytest.raises(InvalidInput) as refused:
        world.scheduling.set_schedule(strategy_id, payload)
    assert field in refused.value.fields
    after = (
        world.entry(strategy_id),
        world.scheduling.jobs.job_ids(),
        world.scheduling.plans.get(strategy_id),
    )
    assert after == before
    assert world.scheduling.jobs.next_fire(strategy_id, START, world.clock.now()) == ist(2026, 11, 23, 9, 15)
    world.fire(strategy_id, ist(2026, 11, 23, 9, 15))
    assert world.status(strategy_id) == "running"


def test_an_edit_replaces_the_jobs_and_a_schedule_without_stop_runs_until_stopped(world: SchedWorld) -> None:
    strategy_id = world.add()
    world.schedule(strategy_id)
    world.schedule(strategy_id, "10:30", None, ["mon", "wed", "fri"])
    jobs = world.scheduling.jobs
    assert jobs.job_ids() == [f"schedule:{strategy_id}:start"]
    assert jobs.next_fire(strategy_id, START, world.clock.now()) == ist(2026, 11, 23, 10, 30)
    entry = world.entry(strategy_id)
    assert entry["schedule"]["summary"] == "from 10:30 IST, runs until stopped, Mon, Wed, Fri"
    assert entry["next_stop"] is None
    world.fire(strategy_id, ist(2026, 11, 23, 10, 30))
    world.tick(ist(2026, 11, 23, 23, 59))
    assert world.status(strategy_id) == "running"


def test_a_missed_start_without_stop_time_is_caught_up_that_day_only(tmp_path: Path) -> None:
    world = make_sched_world(tmp_path / "data", ist(2026, 11, 21, 10, 0))  # Saturday
    strategy_id = world.add()
    world.schedule(strategy_id, "09:15", None)
    world.tick()
    assert world.status(strategy_id) == "stopped"  # Friday's start is not made up on Saturday
    assert (
        world.entry(strategy_id)["status_reason"] == "not running; next scheduled start 2026-11-23 09:15 IST"
    )
    world.tick(ist(2026, 11, 23, 11, 0))  # Monday, the job missed (the host was busy): still that day
    assert world.status(strategy_id) == "running"
    world.db.dispose()


# --- Failing starts ------------------------------------------------------------------------------
def test_a_scheduled_start_of_a_missing_script_is_an_error_with_an_event(world: SchedWorld) -> None:
    strategy_id = world.add()
    world.schedule(strategy_id)
    (world.settings.strategies_dir / "scripts" / f"{strategy_id}.py").unlink()
    world.fire(strategy_id, ist(2026, 11, 23, 9, 15))
    entry = world.entry(strategy_id)
    assert entry["status"] == "error"
    assert entry["error"] == "The script file is missing from strategies/scripts/."
    assert entry["note"] == entry["error"]
    errors = [event for event in world.events_of(strategy_id) if event.kind == "error"]
    assert errors and errors[-1].data["error"] == entry["error"]
    # Not retried every pass: the error stays for the trader to see until the next window.
    world.tick(ist(2026, 11, 23, 9, 16))
    world.tick(ist(2026, 11, 23, 12, 0))
    assert world.status(strategy_id) == "error" and world.spawned() == 0


def test_a_scheduled_start_that_cannot_spawn_is_an_error_with_the_os_text(world: SchedWorld) -> None:
    strategy_id = world.add()
    world.schedule(strategy_id)
    world.launcher.spawn_error = OSError(errno.EAGAIN, "Resource temporarily unavailable")
    world.fire(strategy_id, ist(2026, 11, 23, 9, 15))
    assert (
        world.entry(strategy_id)["error"] == "Could not start the process: Resource temporarily unavailable"
    )
    world.launcher.spawn_error = None
    world.tick(ist(2026, 11, 23, 9, 30))
    assert world.status(strategy_id) == "error"
    world.fire(strategy_id, ist(2026, 11, 24, 9, 15))  # a holiday: still nothing
    world.fire(strategy_id, ist(2026, 11, 25, 9, 15))  # the next window starts it afresh
    assert world.status(strategy_id) == "running"
