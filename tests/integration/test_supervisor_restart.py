"""The real host (``python app.py``): the URL strategies are given, graceful restarts, kill -9.

After a graceful restart the strategies that should run come back with no page visit. After the
host is killed with SIGKILL its strategy keeps running, the next host adopts it (same pid, the log
continues in the same file) and there are never two processes for one strategy.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.apps import ADMIN_PASSWORD, ADMIN_USER
from tests.support.live_server import LiveServer, LoggedInSession
from tests.support.net import free_port
from tests.support.strategies import strategy_processes, wait_until

TICKER = """
import itertools, os, time
for n in itertools.count():
    print("tick", n, os.getpid())
    time.sleep(0.1)
"""
SECRET = "pin-7f3e-not-for-logs"
ENV = {"STRATEGY_STOP_GRACE_S": "1", "STRATEGY_TICK_S": "0.2", "LOG_LEVEL": "DEBUG"}


class Host:
    """A live host and a logged-in session on it; restartable on the same data and port."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.server: LiveServer | None = None
        self.session: LoggedInSession | None = None

    def start(self) -> Host:
        self.server = LiveServer(self.data_dir, self.port, env=ENV).start()
        self.session = LoggedInSession(self.server.url)
        self.session.setup_or_login(ADMIN_USER, ADMIN_PASSWORD)
        return self

    @property
    def http(self) -> LoggedInSession:
        assert self.session is not None
        return self.session

    def upload(self, source: str, name: str = "Live") -> str:
        response = self.http.client.post(
            "/python/upload",
            data={"name": name},
            files={"file": ("live.py", source.encode(), "text/x-python")},
            headers={"X-CSRFToken": self.http.csrf(), "Accept": "application/json"},
        )
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["id"])

    def entry(self, strategy_id: str) -> dict[str, Any]:
        for item in self.http.get("/python/status").json()["data"]["strategies"]:
            if item["id"] == strategy_id:
                return dict(item)
        raise AssertionError(strategy_id)

    def wait_status(self, strategy_id: str, status: str) -> dict[str, Any]:
        return dict(
            wait_until(lambda: (item := self.entry(strategy_id))["status"] == status and item, what=status)
        )

    def lines(self, strategy_id: str) -> list[str]:
        return list(self.http.get(f"/python/logs/{strategy_id}/tail?lines=2000").json()["data"]["lines"])

    def stop_host(self, sig: int = signal.SIGTERM) -> None:
        assert self.server is not None
        if self.session is not None:
            self.session.close()
            self.session = None
        if sig == signal.SIGKILL:
            self.server.kill()
        else:
            assert self.server.stop(sig) == 0, self.server.output()

    def output(self) -> str:
        return "" if self.server is None else self.server.output()


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Host]:
    live = Host(tmp_path / "data").start()
    yield live
    if live.server is not None:
        live.server.stop()


def _ticks(lines: list[str]) -> list[tuple[int, int]]:
    """(tick number, pid) of each tick line."""
    found = []
    for line in lines:
        words = line.split("] ", 1)[-1].split()
        if len(words) == 3 and words[0] == "tick":
            found.append((int(words[1]), int(words[2])))
    return found


def test_strategies_are_told_the_port_the_host_really_listens_on(host: Host) -> None:
    assert host.port != 5000
    strategy_id = host.upload("import os\nprint('host is', os.environ['OPENALGO_HOST'])\n")
    assert host.http.post(f"/python/start/{strategy_id}").status_code == 200
    host.wait_status(strategy_id, "stopped")
    assert any(line.endswith(f"] host is http://127.0.0.1:{host.port}") for line in host.lines(strategy_id))


def test_a_graceful_restart_stops_strategies_and_brings_them_back(host: Host) -> None:
    strategy_id = host.upload(TICKER)
    host.http.post(f"/python/start/{strategy_id}")
    first_pid = host.wait_status(strategy_id, "running")["pid"]
    wait_until(lambda: _ticks(host.lines(strategy_id)))

    host.stop_host(signal.SIGTERM)
    assert strategy_processes(strategy_id) == []  # strategies never run unsupervised
    host.start()
    restored = host.wait_status(strategy_id, "running")  # no start request: restored at host start
    assert restored["pid"] != first_pid
    assert len(strategy_processes(strategy_id)) == 1
    runs = host.http.get(f"/python/logs/{strategy_id}/runs").json()["data"]["runs"]
    assert len(runs) == 2
    previous = host.http.get(f"/python/logs/{strategy_id}/tail?lines=5&run={runs[1]['run']}").json()["data"]
    assert "stopped by shutdown" in previous["lines"][-1]
    assert "started: restore" in host.lines(strategy_id)[0]


def test_after_kill_9_the_next_host_adopts_the_strategy_and_the_log_continues(host: Host) -> None:
    strategy_id = host.upload(TICKER)
    host.http.post(f"/python/start/{strategy_id}")
    pid = host.wait_status(strategy_id, "running")["pid"]
    wait_until(lambda: _ticks(host.lines(strategy_id)))

    host.stop_host(signal.SIGKILL)
    time.sleep(0.5)  # the strategy keeps running (and printing) while no host is up
    assert [p.pid for p in strategy_processes(strategy_id)] == [pid]
    host.start()
    adopted = host.wait_status(strategy_id, "running")
    assert adopted["pid"] == pid
    assert [p.pid for p in strategy_processes(strategy_id)] == [pid]  # never two

    def continued() -> list[tuple[int, int]] | None:
        ticks = _ticks(host.lines(strategy_id))
        return ticks if len(ticks) > 12 else None

    ticks = wait_until(continued, what="ticks after the restart")
    numbers = [number for number, _pid in ticks]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))  # not one line lost
    assert {tick_pid for _n, tick_pid in ticks} == {pid}
    assert any("adopted; this run continues" in line for line in host.lines(strategy_id))
    assert len(host.http.get(f"/python/logs/{strategy_id}/runs").json()["data"]["runs"]) == 1

    assert host.http.post(f"/python/stop/{strategy_id}").status_code == 200
    host.wait_status(strategy_id, "stopped")
    assert strategy_processes(strategy_id) == []


def test_secrets_never_appear_in_responses_pages_or_logs(host: Host) -> None:
    source = (
        "import os\nprint('pin length', len(os.environ['BROKER_PIN']))\n"
        "print('careless print of', os.environ['BROKER_PIN'], os.environ['OPENALGO_API_KEY'])\n"
    )
    strategy_id = host.upload(source)
    response = host.http.post(f"/python/env/{strategy_id}", {"secure": {"BROKER_PIN": SECRET}})
    assert response.status_code == 200
    host.http.post(f"/python/start/{strategy_id}")
    host.wait_status(strategy_id, "stopped")
    lines = host.lines(strategy_id)
    assert any(line.endswith("] pin length 21") for line in lines)  # it got the value
    assert any(line.endswith("] careless print of [REDACTED] [REDACTED]") for line in lines)
    seen = [response.text]
    for url in ["/python/status", f"/python/env/{strategy_id}", f"/python/logs/{strategy_id}/tail", "/"]:
        seen.append(host.http.client.get(url).text)
    seen.append(host.http.client.get(f"/python/logs/{strategy_id}/download").text)
    with host.http.client.stream("GET", "/python/events") as live:
        seen.append(next(live.iter_text()))
    host.stop_host()
    seen.append(host.output())
    seen.extend(path.read_text(errors="replace") for path in (host.data_dir / "log").rglob("*.log"))
    for text in seen:
        assert SECRET not in text
    assert json.dumps(SECRET) not in "".join(seen)
