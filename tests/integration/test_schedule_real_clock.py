"""The one test on the real clock: a schedule one minute ahead really starts the process (by
APScheduler's cron job, in the host's own threads) and the minute after really stops it.

CRYPTO trades every day at every hour, so the test runs whenever it is started. It takes up to
about two and a half minutes: the next whole minute (or the one after, when fewer than five seconds
are left to set it up), then one more minute.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import psutil

from app import create_app
from services.clock import IST, SystemClock
from tests.support.apps import host_of, make_settings, post_json, set_up_admin
from tests.support.strategies import upload_ok, wait_log, wait_status

LOOPING = "import time\nprint('up', flush=True)\nwhile True:\n    time.sleep(0.05)\n"
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def next_minute(now: datetime, margin_s: float = 5.0) -> datetime:
    start = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    if (start - now).total_seconds() < margin_s:
        start += timedelta(minutes=1)
    return start


def test_a_schedule_one_minute_ahead_starts_and_then_stops_the_real_process(data_dir: Path) -> None:
    settings = make_settings(data_dir, start_background=True, strategy_stop_grace_s=2.0)
    app = create_app(settings, clock=SystemClock())
    host = host_of(app)
    try:
        assert host.venue.master_contract.wait_ready(60)
        client = app.test_client()
        set_up_admin(client)
        strategy_id = upload_ok(client, LOOPING, name="Real clock", exchange="CRYPTO")
        begin = next_minute(datetime.now(IST))
        end = begin + timedelta(minutes=1)
        payload = {
            "schedule_start": begin.strftime("%H:%M"),
            "schedule_stop": end.strftime("%H:%M"),
            "schedule_days": EVERY_DAY,
        }
        response = post_json(client, f"/python/schedule/{strategy_id}", payload)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json()["data"]["next_start"] == begin.isoformat()
        assert response.get_json()["data"]["status"] == "stopped"  # nothing before its minute

        wait_s = (begin - datetime.now(IST)).total_seconds()
        running = wait_status(client, strategy_id, "running", timeout=wait_s + 15)
        started = datetime.fromisoformat(running["last_started"])
        assert begin <= started < begin + timedelta(seconds=5), started  # not early, and on time
        process = psutil.Process(running["pid"])
        assert process.is_running()
        wait_log(client, strategy_id, "started: schedule")
        wait_log(client, strategy_id, "up")
        assert running["next_stop"] == end.isoformat()

        wait_s = (end - datetime.now(IST)).total_seconds()
        stopped = wait_status(client, strategy_id, "stopped", timeout=wait_s + 15)
        assert stopped["stop_reason"] == "stopped by schedule"
        ended = datetime.fromisoformat(stopped["last_stopped"])
        assert end <= ended < end + timedelta(seconds=5), ended
        assert not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
        assert stopped["next_start"] == (begin + timedelta(days=1)).isoformat()
    finally:
        host.shutdown()
