"""Helpers for strategy-hosting tests: a fake clock and launcher, polling, uploads, process checks."""

from __future__ import annotations

import io
import itertools
import signal
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psutil
from flask.testing import FlaskClient

from services.hosting.capture import OutputSink
from services.hosting.launcher import ExitStatus, LaunchSpec, ProcessHandle, Sample, signal_name
from tests.support.apps import csrf_token, post_json


def wait_until(
    predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.02, what: str = "condition"
) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 09:30 IST, a Monday
        self._mono = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds


@dataclass(eq=False)
class FakeProcess:
    pid: int
    create_time: float
    token: str
    sink: OutputSink | None
    adopted: bool = False
    exit: ExitStatus | None = None
    ignores_stop: bool = False
    signals: list[int] = field(default_factory=list)
    finished: bool = False

    def print(self, *lines: str, stream: str = "out") -> None:
        assert self.sink is not None
        self.sink.write(stream, list(lines))

    def end(self, code: int = 0) -> None:
        self.exit = ExitStatus(code)

    def die(self, signum: int) -> None:
        self.exit = ExitStatus(-signum, signal_name(signum))


class FakeLauncher:
    """Records what the supervisor asks for; processes end when a test (or a signal) says so."""

    def __init__(self) -> None:
        self._pids = itertools.count(40_000)
        self.specs: list[LaunchSpec] = []
        self.watchdog_checks = 0
        self.processes: list[FakeProcess] = []
        self.spawn_error: OSError | None = None
        self.leftovers: dict[str, FakeProcess] = {}
        self.reattach_ok = True
        self.killed_tokens: list[str] = []
        self.samples: dict[int, Sample] = {}
        self.started = False
        self.on_exit: Callable[[], None] = lambda: None

    def watchdog(self) -> None:
        self.watchdog_checks += 1

    def become_subreaper(self) -> None:
        pass

    def start(self, on_exit: Callable[[], None]) -> None:
        self.started, self.on_exit = True, on_exit

    def close(self) -> None:
        self.started = False

    def spawn(self, spec: LaunchSpec) -> ProcessHandle:
        if self.spawn_error is not None:
            raise self.spawn_error
        process = FakeProcess(next(self._pids), 1.0, spec.token, spec.sink)
        self.specs.append(spec)
        self.processes.append(process)
        return process

    def find(self, pid: int | None, create_time: float | None, token: str) -> ProcessHandle | None:
        return self.leftovers.get(token)

    def reattach(self, handle: ProcessHandle, sink: OutputSink) -> bool:
        assert isinstance(handle, FakeProcess)
        if self.reattach_ok:
            handle.sink = sink
        return self.reattach_ok

    def exit_status(self, handle: ProcessHandle) -> ExitStatus | None:
        assert isinstance(handle, FakeProcess)
        return handle.exit

    def send_signal(self, handle: ProcessHandle, signum: int) -> None:
        assert isinstance(handle, FakeProcess)
        handle.signals.append(signum)
        if signum == signal.SIGKILL or not handle.ignores_stop:
            handle.die(signum)

    def group_alive(self, handle: ProcessHandle) -> bool:
        assert isinstance(handle, FakeProcess)
        return handle.exit is None

    def finish(self, handles: Sequence[ProcessHandle]) -> int:
        for handle in handles:
            assert isinstance(handle, FakeProcess)
            if handle.exit is None:
                handle.die(signal.SIGKILL)
            handle.finished = True
        return 0

    def kill_tokens(self, tokens: Iterable[str]) -> int:
        self.killed_tokens.extend(tokens)
        return 0

    def sample(self, handles: Sequence[ProcessHandle], with_tree: frozenset[int]) -> dict[int, Sample]:
        return {handle.pid: self.samples[handle.pid] for handle in handles if handle.pid in self.samples}

    @property
    def alive(self) -> list[FakeProcess]:
        return [process for process in self.processes if process.exit is None]


# HTTP helpers ---------------------------------------------------------------------------------------
def upload(
    client: FlaskClient,
    source: str | bytes,
    name: str = "Test strategy",
    file_name: str = "strategy.py",
    **form: str,
) -> Any:
    data = source.encode("utf-8") if isinstance(source, str) else source
    return client.post(
        "/python/upload",
        data={"name": name, "file": (io.BytesIO(data), file_name), **form},
        headers={"X-CSRFToken": csrf_token(client)},
    )


def upload_ok(client: FlaskClient, source: str, name: str = "Test strategy", **form: str) -> str:
    response = upload(client, source, name, **form)
    assert response.status_code == 201, response.get_data(as_text=True)
    return str(response.get_json()["data"]["id"])


def entry(client: FlaskClient, strategy_id: str) -> dict[str, Any]:
    for item in client.get("/python/status").get_json()["data"]["strategies"]:
        if item["id"] == strategy_id:
            return dict(item)
    raise AssertionError(f"{strategy_id} is not in /python/status")


def wait_status(client: FlaskClient, strategy_id: str, status: str, timeout: float = 30.0) -> dict[str, Any]:
    return dict(
        wait_until(
            lambda: (item := entry(client, strategy_id))["status"] == status and item,
            timeout,
            what=f"{strategy_id} to be {status}",
        )
    )


def start(client: FlaskClient, strategy_id: str) -> Any:
    return post_json(client, f"/python/start/{strategy_id}")


def stop(client: FlaskClient, strategy_id: str) -> Any:
    return post_json(client, f"/python/stop/{strategy_id}")


def log_lines(client: FlaskClient, strategy_id: str, lines: int = 1000) -> list[str]:
    return list(client.get(f"/python/logs/{strategy_id}/tail?lines={lines}").get_json()["data"]["lines"])


def wait_log(client: FlaskClient, strategy_id: str, text: str, timeout: float = 30.0) -> list[str]:
    return list(
        wait_until(
            lambda: (
                (lines := log_lines(client, strategy_id)) and any(text in line for line in lines) and lines
            ),
            timeout,
            what=f"{text!r} in the log of {strategy_id}",
        )
    )


# Processes ------------------------------------------------------------------------------------------
def strategy_processes(strategy_id: str) -> list[psutil.Process]:
    """Live (non-zombie) processes whose environment says they belong to ``strategy_id``."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                continue
            if process.environ().get("STRATEGY_ID") == strategy_id:
                found.append(process)
        except (psutil.Error, OSError):
            continue
    return found


def zombie_children() -> list[psutil.Process]:
    """Zombies among this (test) process's children: a reaping failure of an in-process host."""
    result = []
    for child in psutil.Process().children(recursive=False):
        try:
            if child.status() == psutil.STATUS_ZOMBIE:
                result.append(child)
        except psutil.Error:
            continue
    return result
