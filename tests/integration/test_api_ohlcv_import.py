"""The OHLCV import command: real candles for a symbol, then served by /api/v1 instead of simulated ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flask.testing import FlaskClient

from tests.support.apps import api_key_of, build_app, host_of, set_up_admin
from tests.support.live_server import PROJECT_ROOT

CSV = """timestamp,open,high,low,close,volume,oi
2026-11-16 09:15:00,101.0,101.5,100.5,101.2,500,0
2026-11-16 09:16:00,101.2,102.0,101.0,101.9,700,0
2026-11-16 09:17:00,101.9,102.2,101.5,101.6,400,0
2026-11-17 09:15:00,99.0,99.5,98.0,98.5,900,0
"""


def _import(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin"), "HOME": str(data_dir), "DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "services.market.ohlcv_import", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_imported_candles_replace_the_simulation(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    csv = tmp_path / "reliance.csv"
    csv.write_text(CSV)
    done = _import(data_dir, "NSE", "RELIANCE", str(csv))
    assert done.returncode == 0, done.stderr
    assert (
        "Imported 4 1m candles for NSE:RELIANCE (2026-11-16 09:15 IST to 2026-11-17 09:15 IST)" in done.stdout
    )

    app = build_app(data_dir)
    try:
        host_of(app).venue.master_contract.download_now()
        client: FlaskClient = app.test_client()
        set_up_admin(client)
        body = {
            "apikey": api_key_of(app),
            "symbol": "RELIANCE",
            "exchange": "NSE",
            "start_date": "2026-11-16",
            "end_date": "2026-11-17",
        }
        minutes = client.post("/api/v1/history", json={**body, "interval": "1m"}).get_json()["data"]
        assert [c["close"] for c in minutes] == [101.2, 101.9, 101.6, 98.5]
        daily = client.post("/api/v1/history", json={**body, "interval": "D"}).get_json()["data"]
        assert [(c["open"], c["high"], c["low"], c["close"], c["volume"]) for c in daily] == [
            (101.0, 102.2, 100.5, 101.6, 1600),
            (99.0, 99.5, 98.0, 98.5, 900),
        ]
        quote = client.post("/api/v1/quotes", json=body).get_json()["data"]
        assert (quote["ltp"], quote["prev_close"]) == (98.5, 101.6)
    finally:
        host_of(app).shutdown()


def test_a_bad_file_is_refused_with_the_reason(tmp_path: Path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("timestamp,open,high,low,close\n2026-11-16 09:15:00,1,2,0.5,1\n")
    done = _import(tmp_path / "data", "NSE", "RELIANCE", str(csv))
    assert done.returncode == 1
    assert "missing column(s) volume" in done.stderr
    wrong = _import(tmp_path / "data", "NASDAQ", "AAPL", str(csv))
    assert wrong.returncode == 2 and "invalid choice" in wrong.stderr
