"""A descendant that leaves the strategy's process group AND drops its run token (a double-fork
daemon with a clean ``execve`` environment) does not survive the run: while the strategy lives it
stays in its tree (the strategy's process is a child subreaper), and once the strategy has ended it
is the served host's orphan; either way the run's end kills it and the footer counts it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.support.apps import ADMIN_PASSWORD, ADMIN_USER
from tests.support.live_server import LiveServer, LoggedInSession
from tests.support.net import free_port
from tests.support.strategies import wait_until

#: Starts a daemon: fork, setsid, fork again, then exec `sleep` with an empty environment.
DAEMON = """
import os, sys, time
def daemon():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execve("/bin/sleep", ["sleep", "600"], {})
        os._exit(0)
daemon()
time.sleep(0.3)
print("daemon started", flush=True)
if sys.argv[1:] != ["and-exit"] and os.environ.get("EXIT_AT_ONCE") != "1":
    while True:
        time.sleep(0.1)
"""


@pytest.fixture
def host(tmp_path: Path) -> Iterator[tuple[LiveServer, LoggedInSession]]:
    server = LiveServer(tmp_path / "data", free_port(), env={"STRATEGY_STOP_GRACE_S": "1"}).start()
    session = LoggedInSession(server.url)
    session.setup_or_login(ADMIN_USER, ADMIN_PASSWORD)
    yield server, session
    session.close()
    server.stop()


def _daemons() -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline", "environ"]):
        try:
            if process.info["cmdline"] == ["sleep", "600"] and not process.info["environ"]:
                found.append(process)
        except psutil.Error:
            continue
    return [p for p in found if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def _upload(session: LoggedInSession, name: str) -> str:
    response = session.client.post(
        "/python/upload",
        files={"file": ("daemon.py", DAEMON.encode())},
        data={"name": name},
        headers={"X-CSRFToken": session.csrf()},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def _status(session: LoggedInSession, strategy_id: str) -> dict[str, object]:
    return dict(session.get("/python/status").json()["data"]["strategies"][0])


def _footer(session: LoggedInSession, strategy_id: str) -> str:
    lines = session.get(f"/python/logs/{strategy_id}/tail?lines=50").json()["data"]["lines"]
    return next(line for line in reversed(lines) if "Run ended" in line)


def test_a_daemon_of_a_stopped_strategy_is_killed(host: tuple[LiveServer, LoggedInSession]) -> None:
    _server, session = host
    before = {p.pid for p in _daemons()}
    strategy_id = _upload(session, "Daemon")
    assert session.post(f"/python/start/{strategy_id}").status_code == 200
    daemons = wait_until(lambda: [p for p in _daemons() if p.pid not in before], 20, what="the daemon")
    assert session.post(f"/python/stop/{strategy_id}").status_code == 200
    wait_until(lambda: _status(session, strategy_id)["status"] == "stopped", 20, what="the stop")
    wait_until(lambda: not any(p.is_running() for p in daemons), 10, what="the daemon to die")
    assert "1 leftover process(es) killed" in _footer(session, strategy_id)


def test_a_daemon_of_a_strategy_that_ended_by_itself_is_killed(
    host: tuple[LiveServer, LoggedInSession],
) -> None:
    _server, session = host
    before = {p.pid for p in _daemons()}
    strategy_id = _upload(session, "Daemon and exit")
    session.post(f"/python/env/{strategy_id}", {"regular": {"EXIT_AT_ONCE": "1"}})
    assert session.post(f"/python/start/{strategy_id}").status_code == 200
    wait_until(lambda: _status(session, strategy_id)["status"] == "stopped", 20, what="the end of the run")
    wait_until(lambda: not [p for p in _daemons() if p.pid not in before], 10, what="no daemon left")
    assert "leftover process(es) killed" in _footer(session, strategy_id)
