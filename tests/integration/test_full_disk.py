"""Supervision survives a full or unwritable disk: output keeps being read (a chatty strategy never
blocks), the run says its log is unwritable and how much was dropped, stop and the kill switch
work, other strategies are unaffected, and the log resumes once there is space again.

The full disk is a tiny tmpfs mounted over one strategy's log folder (needs root, as CI has).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.apps import build_app, host_of, post_json
from tests.support.strategies import (
    entry,
    log_lines,
    start,
    stop,
    upload_ok,
    wait_log,
    wait_status,
    wait_until,
)

#: Writes 2 MB of output (far more than a pipe holds) and a line without its newline (the host
#: writes it after a moment: that write failing once killed the output pump), then leaves a mark
#: and keeps ticking.
FLOOD = """
import pathlib, sys, time
for i in range(2000):
    print("x" * 1000, flush=True)
sys.stdout.write("a partial line"); sys.stdout.flush(); time.sleep(0.5); print()
pathlib.Path("flood-done").write_text("done")  # in its own working folder
while True:
    print("still alive", flush=True)
    time.sleep(0.1)
"""
TICKER = """
import time
i = 0
while True:
    i += 1
    print(f"tick {i}", flush=True)
    time.sleep(0.05)
"""


@pytest.fixture
def app(data_dir: Path) -> Iterator[Flask]:
    application = build_app(
        data_dir, start_background=True, strategy_stop_grace_s=1.0, strategy_tick_s=0.2, strategy_sample_s=0.3
    )
    yield application
    host_of(application).shutdown()


@pytest.fixture
def tiny_disk() -> Iterator[list[Path]]:
    """Mounts a 64 KB tmpfs at each path appended to the list; unmounts them all at the end."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tiny tmpfs needs root (CI runs as root); skipped")
    mounted: list[Path] = []
    yield mounted
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _mount_tiny(mounted: list[Path], path: Path) -> None:
    """A 64 KB disk at ``path``, filled up but for a few KB (``_free`` gives the space back)."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(path)], check=True)
    mounted.append(path)
    _fill(path, 56 * 1024)


def _fill(folder: Path, size: int | None = None) -> None:
    """Fill the disk with a filler file (``size`` bytes, or until it is full)."""
    with (folder / "filler").open("ab", buffering=0) as handle:
        written = 0
        try:
            while size is None or written < size:
                written += handle.write(b"\0" * 4096) or 0
        except OSError:
            pass


def _free(folder: Path) -> None:
    (folder / "filler").unlink()


def test_a_full_log_disk_stops_neither_output_nor_stop(
    app: Flask, admin_client: FlaskClient, tiny_disk: list[Path]
) -> None:
    settings = host_of(app).settings
    flood = upload_ok(admin_client, FLOOD, name="Flood")
    ticker = upload_ok(admin_client, TICKER, name="Ticker")
    log_folder = settings.log_dir / "strategies" / flood
    _mount_tiny(tiny_disk, log_folder)

    assert start(admin_client, flood).status_code == 200
    assert start(admin_client, ticker).status_code == 200
    # 2 MB through a 64 KB disk: the host kept reading, so the strategy never blocked in write().
    wait_until((settings.work_dir / flood / "flood-done").exists, 30, what="the flood to be written")
    troubled = wait_until(lambda: entry(admin_client, flood).get("log_trouble"), 10, what="log trouble")
    assert troubled["error"] == "No space left on device"
    assert troubled["dropped_bytes"] > 1_000_000
    assert entry(admin_client, flood)["status"] == "running"
    assert "Log unwritable (No space left on device)" in entry(admin_client, flood)["note"]

    # Another strategy on the healthy disk is not affected.
    before = len(log_lines(admin_client, ticker))
    wait_until(lambda: len(log_lines(admin_client, ticker)) > before + 5, 10, what="the ticker to go on")

    # Space again: the log resumes by itself, first saying what was lost.
    _free(log_folder)
    wait_until(lambda: entry(admin_client, flood).get("log_trouble") is None, 15, what="the log to resume")
    lost = wait_log(admin_client, flood, "bytes of output were lost: the log could not be written")
    assert any("still alive" in line for line in lost)

    # With the disk full again, stop still stops it.
    _fill(log_folder)
    wait_until(lambda: entry(admin_client, flood).get("log_trouble"), 10, what="the disk to be full again")
    process = psutil.Process(entry(admin_client, flood)["pid"])
    assert stop(admin_client, flood).status_code == 200
    wait_status(admin_client, flood, "stopped", timeout=15)
    assert not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    stop(admin_client, ticker)
    wait_status(admin_client, ticker, "stopped", timeout=15)


def test_stop_all_and_shutdown_work_with_every_log_unwritable(
    app: Flask, admin_client: FlaskClient, tiny_disk: list[Path]
) -> None:
    settings = host_of(app).settings
    ids = [upload_ok(admin_client, FLOOD, name=f"Flood {n}") for n in range(3)]
    for strategy_id in ids:
        _mount_tiny(tiny_disk, settings.log_dir / "strategies" / strategy_id)
        assert start(admin_client, strategy_id).status_code == 200
    for strategy_id in ids:
        wait_until(lambda sid=strategy_id: entry(admin_client, sid).get("log_trouble"), 30, what="a full log")
    pids = [entry(admin_client, strategy_id)["pid"] for strategy_id in ids[:2]]

    response = post_json(admin_client, "/python/stop-all")
    assert response.get_json()["data"]["stopped"] == 3
    for strategy_id in ids:
        wait_status(admin_client, strategy_id, "stopped", timeout=15)
    for pid in pids:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE

    # A graceful shutdown with every log full still stops every strategy.
    for strategy_id in ids:
        start(admin_client, strategy_id)
        wait_status(admin_client, strategy_id, "running", timeout=15)
    pids = [entry(admin_client, strategy_id)["pid"] for strategy_id in ids]
    host_of(app).shutdown()
    for pid in pids:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_a_log_folder_that_cannot_be_created_is_an_error_with_the_os_message(
    app: Flask, admin_client: FlaskClient
) -> None:
    settings = host_of(app).settings
    strategy_id = upload_ok(admin_client, TICKER, name="No log")
    blocker = settings.log_dir / "strategies" / strategy_id
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("a file where the log folder should be")  # even root cannot mkdir here
    start(admin_client, strategy_id)
    failed = wait_status(admin_client, strategy_id, "error", timeout=10)
    assert failed["error"] == "Could not open the strategy's log: Not a directory"
    assert failed["pid"] is None

    blocker.unlink()
    assert start(admin_client, strategy_id).status_code == 200  # and it starts once it can
    wait_log(admin_client, strategy_id, "tick 3")
    stop(admin_client, strategy_id)
