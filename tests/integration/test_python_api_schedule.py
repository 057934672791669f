"""The schedule endpoints on a real app with real strategy processes.

The app's wall clock is shifted to a chosen IST moment (its threads run in real time), so a test
can stand inside or outside a window on any day; APScheduler's own jobs then sit at real times
and the reconcile loop does the work, as it does after a host restart or a stalled scheduler.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from database.models import PythonStrategySchedule
from tests.support.apps import host_of, make_settings, post_json, set_up_admin
from tests.support.clocks import ShiftedClock
from tests.support.schedules import ist
from tests.support.strategies import entry, start, stop, upload_ok, wait_log, wait_status, wait_until

LOOPING = "import time\nprint('up', flush=True)\nwhile True:\n    time.sleep(0.05)\n"
MARKET_HOURS = {
    "schedule_start": "09:15",
    "schedule_stop": "15:30",
    "schedule_days": ["mon", "tue", "wed", "thu", "fri"],
}


def build(data_dir: Path, clock: ShiftedClock, **overrides: Any) -> Flask:
    settings = make_settings(
        data_dir,
        start_background=True,
        strategy_stop_grace_s=0.5,
        strategy_tick_s=0.1,
        schedule_reconcile_s=0.1,
        **overrides,
    )
    application = create_app(settings, clock=clock)
    assert host_of(application).venue.master_contract.wait_ready(60)
    return application


@pytest.fixture
def clock() -> ShiftedClock:
    return ShiftedClock(ist(2026, 11, 23, 8, 0))  # a Monday, before the market opens


@pytest.fixture
def app(data_dir: Path, clock: ShiftedClock) -> Iterator[Flask]:
    application = build(data_dir, clock)
    yield application
    host_of(application).shutdown()


def schedule(client: FlaskClient, strategy_id: str, payload: Any) -> Any:
    return post_json(client, f"/python/schedule/{strategy_id}", payload)


def test_a_schedule_is_saved_and_every_status_entry_carries_it(app: Flask, admin_client: FlaskClient) -> None:
    strategy_id = upload_ok(admin_client, LOOPING, exchange="NFO")
    response = schedule(admin_client, strategy_id, {**MARKET_HOURS, "schedule_stop": "15:40"})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["success"] is True
    assert body["message"] == "Schedule saved: 09:15–15:40 IST, Mon–Fri. Next start 2026-11-23 09:15 IST."
    data = body["data"]
    assert data["id"] == strategy_id and data["status"] == "stopped" and data["badge"] == "scheduled"
    assert data["scheduled"] is True
    assert data["schedule"] == {
        "start": "09:15",
        "stop": "15:40",
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "exchange": "NFO",  # the strategy's exchange when none is sent
        "ignore_holidays": False,
        "summary": "09:15–15:40 IST, Mon–Fri",
    }
    assert (data["next_start"], data["next_stop"]) == (
        "2026-11-23T09:15:00+05:30",
        "2026-11-23T15:40:00+05:30",
    )
    assert data["status_reason"] == "outside schedule window; next start 2026-11-23 09:15 IST"
    assert data["actions"]["unschedule"] is True
    assert entry(admin_client, strategy_id) == data
    events = host_of(app).hosting.events.after(0).events
    assert [e.kind for e in events if e.strategy_id == strategy_id][-1] == "updated"
    assert events[-1].data["schedule"]["summary"] == "09:15–15:40 IST, Mon–Fri"


def test_an_invalid_schedule_is_a_400_naming_each_field_and_the_old_one_stays(
    app: Flask, admin_client: FlaskClient
) -> None:
    strategy_id = upload_ok(admin_client, LOOPING)
    assert schedule(admin_client, strategy_id, MARKET_HOURS).status_code == 200
    before = entry(admin_client, strategy_id)
    bad = {
        "schedule_start": "9:5",
        "schedule_stop": "24:00",
        "schedule_days": ["mon", "xyz"],
        "exchange": "NYSE",
    }
    response = schedule(admin_client, strategy_id, bad)
    assert response.status_code == 400
    body = response.get_json()
    assert body["success"] is False
    assert set(body["data"]["fields"]) == {"schedule_start", "schedule_stop", "schedule_days", "exchange"}
    for payload in ({**MARKET_HOURS, "schedule_stop": "09:15"}, {**MARKET_HOURS, "schedule_days": []}, []):
        refused = schedule(admin_client, strategy_id, payload)
        assert refused.status_code == 400 and refused.get_json()["data"]["fields"]
    assert entry(admin_client, strategy_id) == before
    jobs = host_of(app).schedules.jobs.job_ids()
    assert jobs == [f"schedule:{strategy_id}:start", f"schedule:{strategy_id}:stop"]


def test_unknown_ids_are_404_and_the_endpoints_need_a_login_and_a_csrf_token(
    app: Flask, client: FlaskClient
) -> None:
    assert client.post("/python/schedule/nope", json=MARKET_HOURS).status_code in {400, 401}
    set_up_admin(client)
    assert schedule(client, "no-such-strategy", MARKET_HOURS).status_code == 404
    assert schedule(client, "../etc", MARKET_HOURS).status_code == 404
    assert post_json(client, "/python/unschedule/no-such-strategy").status_code == 404
    strategy_id = upload_ok(client, LOOPING)
    assert client.post(f"/python/schedule/{strategy_id}", json=MARKET_HOURS).status_code == 400  # no CSRF
    assert entry(client, strategy_id)["scheduled"] is False
    client.post(
        "/auth/logout", headers={"X-CSRFToken": client.get("/auth/csrf-token").get_json()["csrf_token"]}
    )
    anonymous = client.post("/python/check-contracts", json={}, headers={"Accept": "application/json"})
    assert anonymous.status_code in {400, 401}


def test_inside_the_window_the_strategy_runs_a_manual_stop_sticks_and_the_stop_time_stops_it(
    app: Flask, admin_client: FlaskClient, clock: ShiftedClock
) -> None:
    strategy_id = upload_ok(admin_client, LOOPING)
    clock.set(ist(2026, 11, 23, 10, 0))
    response = schedule(admin_client, strategy_id, MARKET_HOURS)
    assert response.get_json()["message"].endswith("Inside its window now: starting.")
    running = wait_status(admin_client, strategy_id, "running")
    assert running["status_reason"] == "inside schedule window until 2026-11-23 15:30 IST"
    wait_log(admin_client, strategy_id, "started: schedule")

    assert stop(admin_client, strategy_id).status_code == 200
    stopped = wait_status(admin_client, strategy_id, "stopped")
    host_of(app).schedules.tick()  # a reconcile pass after the stop: it must not start it again
    assert entry(admin_client, strategy_id)["status"] == "stopped"
    assert stopped["stop_reason"] == "stopped by user"
    assert entry(admin_client, strategy_id)["status_reason"] == (
        "manually stopped until next scheduled start 2026-11-25 09:15 IST"
    )

    assert start(admin_client, strategy_id).status_code == 200  # the manual start wins again
    wait_status(admin_client, strategy_id, "running")
    clock.set(ist(2026, 11, 23, 15, 30))
    done = wait_status(admin_client, strategy_id, "stopped")
    assert done["stop_reason"] == "stopped by schedule"


def test_unscheduling_keeps_a_running_strategy_running(
    app: Flask, admin_client: FlaskClient, clock: ShiftedClock
) -> None:
    strategy_id = upload_ok(admin_client, LOOPING)
    clock.set(ist(2026, 11, 23, 10, 0))
    schedule(admin_client, strategy_id, MARKET_HOURS)
    wait_status(admin_client, strategy_id, "running")
    response = post_json(admin_client, f"/python/unschedule/{strategy_id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["message"] == "Schedule removed. It keeps running until you stop it."
    assert body["data"]["scheduled"] is False and body["data"]["next_start"] is None
    clock.set(ist(2026, 11, 23, 16, 0))
    host_of(app).schedules.tick()
    assert entry(admin_client, strategy_id)["status"] == "running"
    assert host_of(app).schedules.jobs.job_ids() == []
    stop(admin_client, strategy_id)
    wait_status(admin_client, strategy_id, "stopped")


def test_a_schedule_survives_a_restart_and_the_next_host_starts_it_inside_the_window(
    data_dir: Path, clock: ShiftedClock
) -> None:
    first = build(data_dir, clock)
    client = first.test_client()
    set_up_admin(client)
    strategy_id = upload_ok(client, LOOPING)
    assert schedule(client, strategy_id, MARKET_HOURS).status_code == 200
    host_of(first).shutdown()

    clock.set(ist(2026, 11, 23, 9, 20))  # the host was down at 09:15
    second = build(data_dir, clock)
    try:
        again = second.test_client()
        set_up_admin_or_login(again)
        running = wait_status(again, strategy_id, "running")
        assert running["scheduled"] is True
        assert host_of(second).schedules.jobs.job_ids() == [
            f"schedule:{strategy_id}:start",
            f"schedule:{strategy_id}:stop",
        ]
        assert post_json(again, f"/python/delete/{strategy_id}").status_code == 409  # running
        stop(again, strategy_id)
        wait_status(again, strategy_id, "stopped")
        assert post_json(again, f"/python/delete/{strategy_id}").status_code == 200
        with host_of(second).db.session() as session:
            assert session.scalars(select(PythonStrategySchedule)).all() == []
        assert host_of(second).schedules.jobs.job_ids() == []
    finally:
        host_of(second).shutdown()


def set_up_admin_or_login(client: FlaskClient) -> None:
    token = client.get("/auth/csrf-token").get_json()["csrf_token"]
    response = client.post(
        "/auth/login",
        json={"username": "admin", "password": "correct horse battery"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def test_a_start_waits_for_the_master_contract_and_runs_once_it_is_ready(
    data_dir: Path, clock: ShiftedClock
) -> None:
    settings = make_settings(
        data_dir,
        start_background=True,
        strategy_stop_grace_s=0.5,
        strategy_tick_s=0.1,
        schedule_reconcile_s=0.1,
        master_contract_delay_s=3.0,
    )
    application = create_app(settings, clock=clock)
    try:
        client = application.test_client()
        set_up_admin(client)
        strategy_id = upload_ok(client, LOOPING)
        answer = start(client, strategy_id).get_json()
        assert answer["data"]["status"] == "waiting"
        assert answer["message"] == "Waiting to start: waiting for master contract"
        assert answer["data"]["status_reason"] == "waiting for master contract"
        check = post_json(client, "/python/check-contracts").get_json()
        assert check["data"]["master_contract"]["status"] == "downloading"
        assert check["data"]["waiting"] == [{"id": strategy_id, "reason": "waiting for master contract"}]
        assert check["data"]["started"] == []
        # Ready: the waiting strategy starts with no page visit.
        wait_until(host_of(application).venue.master_contract.is_ready, 60, what="the master contract")
        wait_status(client, strategy_id, "running")
        after = post_json(client, "/python/check-contracts").get_json()
        assert after["message"] == "Master contract success: 0 starting, 0 waiting."
        assert after["data"]["master_contract"]["ready"] is True
        stop(client, strategy_id)
        wait_status(client, strategy_id, "stopped")
    finally:
        host_of(application).shutdown()
