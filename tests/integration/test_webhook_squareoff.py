"""Square-off of intraday webhook strategies: the cron job fires at the square-off minute on the
real clock, is rebuilt from the table at every start, and a square-off missed while the host was
down runs at the next start while the session is still open (and not after the close)."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from app import create_app
from services.clock import IST, Clock, SystemClock
from services.host import Host
from tests.support.apps import host_of, make_settings, post_json, set_up_admin
from tests.support.clocks import ShiftedClock, next_trading_moment
from tests.support.strategies import wait_until


def start_app(data_dir: Path, clock: Clock) -> tuple[Host, FlaskClient]:
    app = create_app(
        make_settings(data_dir, start_background=True, order_rate_limit="100 per second"), clock=clock
    )
    host = host_of(app)
    assert host.venue.master_contract.wait_ready(60)
    return host, app.test_client()


def login(client: FlaskClient) -> None:
    token = client.get("/auth/csrf-token").get_json()["csrf_token"]
    response = client.post(
        "/auth/login",
        json={"username": "admin", "password": "correct horse battery"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def make_strategy(client: FlaskClient, symbol: str, exchange: str, **fields: Any) -> dict[str, Any]:
    response = post_json(
        client, "/strategy/api/strategies", {"name": f"Square {symbol}", "exchange": exchange, **fields}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    strategy: dict[str, Any] = response.get_json()["data"]
    mapping = {"symbol": symbol, "exchange": exchange, "quantity": 2, "product": "MIS"}
    added = post_json(client, f"/strategy/api/strategies/{strategy['id']}/symbols", mapping)
    assert added.status_code == 201, added.get_data(as_text=True)
    return strategy


def buy(client: FlaskClient, strategy: dict[str, Any], symbol: str) -> None:
    reply = client.post(
        f"/strategy/webhook/{strategy['webhook_id']}",
        data=json.dumps({"symbol": symbol, "action": "BUY"}),
        content_type="text/plain",
    )
    assert reply.status_code == 200 and reply.get_json()["result"] == "accepted", reply.get_data(as_text=True)


ADMIN_ACCOUNT = 1  # the one admin is the first user


def position(host: Host, symbol: str, exchange: str) -> int:
    return host.venue.broker.open_position(ADMIN_ACCOUNT, symbol, exchange, "MIS")


def square_offs(client: FlaskClient, strategy_id: int) -> list[dict[str, Any]]:
    listed = client.get(f"/strategy/api/strategies/{strategy_id}/deliveries").get_json()["data"]["deliveries"]
    return [d for d in listed if d["sender"] == "square-off"]


def test_the_job_fires_at_the_square_off_minute_on_the_real_clock(data_dir: Path) -> None:
    now = datetime.now(IST)
    if now.hour == 23 and now.minute >= 58:  # the window must fit inside one day
        time.sleep((now.replace(hour=0, minute=0, second=5) + timedelta(days=1) - now).total_seconds())
    host, client = start_app(data_dir, SystemClock())
    try:
        set_up_admin(client)
        at = datetime.now(IST).replace(second=0, microsecond=0) + timedelta(minutes=1)
        if (at - datetime.now(IST)).total_seconds() < 5:
            at += timedelta(minutes=1)
        hhmm = at.strftime("%H:%M")
        strategy = make_strategy(
            client, "BTCUSDT", "CRYPTO", start_time="00:00", end_time=hhmm, squareoff_time=hhmm
        )
        assert strategy["next_squareoff"] == at.isoformat()
        buy(client, strategy, "BTCUSDT")
        wait_until(lambda: position(host, "BTCUSDT", "CRYPTO") == 2, 10, what="the long position")
        wait_until(
            lambda: position(host, "BTCUSDT", "CRYPTO") == 0,
            (at - datetime.now(IST)).total_seconds() + 20,
            interval=0.2,
            what="the square-off",
        )
        assert datetime.now(IST) >= at
        [done] = square_offs(client, strategy["id"])
        assert done["result"] == "accepted" and done["orders"][0]["position_size"] == 0
    finally:
        host.shutdown()


def test_jobs_are_rebuilt_at_start_and_a_missed_square_off_runs_while_the_session_is_open(
    data_dir: Path,
) -> None:
    morning = next_trading_moment(10)
    clock = ShiftedClock(morning)
    host, client = start_app(data_dir, clock)
    try:
        set_up_admin(client)
        open_session = make_strategy(client, "SBIN", "NSE", squareoff_time="15:15")
        after_close = make_strategy(client, "INFY", "NSE", squareoff_time="15:25")
        positional = make_strategy(client, "TCS", "NSE", is_intraday=True)
        post_json(client, f"/strategy/api/strategies/{positional['id']}/toggle")  # inactive: no job
        for strategy, symbol in ((open_session, "SBIN"), (after_close, "INFY")):
            buy(client, strategy, symbol)
        wait_until(
            lambda: position(host, "SBIN", "NSE") == 2 and position(host, "INFY", "NSE") == 2,
            10,
            what="positions",
        )
        expected = sorted(f"squareoff:{s['id']}" for s in (open_session, after_close))
        assert host.cron.job_ids("squareoff:") == expected
    finally:
        host.shutdown()

    # The host was down at 15:15; it comes back at 15:20 IST: NSE is still open, so the 15:15
    # square-off runs at once (15:25 is still to come). The next start is after the close
    # (15:40): the 15:25 square-off missed meanwhile does not run then (the session is over).
    later = ShiftedClock(morning.replace(hour=15, minute=20))
    host, client = start_app(data_dir, later)
    try:
        login(client)
        assert host.cron.job_ids("squareoff:") == expected  # rebuilt from the table, no page visit
        wait_until(lambda: position(host, "SBIN", "NSE") == 0, 15, what="the missed square-off")
        assert len(square_offs(client, open_session["id"])) == 1
        assert position(host, "INFY", "NSE") == 2  # its square-off is at 15:25
    finally:
        host.shutdown()

    host, client = start_app(data_dir, ShiftedClock(morning.replace(hour=15, minute=40)))
    try:
        login(client)
        time.sleep(1.0)
        assert len(square_offs(client, open_session["id"])) == 1  # once a day, not again
        assert square_offs(client, after_close["id"]) == []
        assert position(host, "INFY", "NSE") == 2
    finally:
        host.shutdown()
