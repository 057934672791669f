"""The output pump keeps reading every strategy's output whatever one run's log does: a log that
refuses writes never stops it, and the watchdog restarts it should it ever die."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from services.hosting.capture import OutputPump
from tests.support.strategies import wait_until


class Sink:
    def __init__(self, fail_with: BaseException | None = None) -> None:
        self.lines: list[str] = []
        self.calls = 0
        self.fail_with = fail_with

    def write(self, stream: str, lines: list[str], *, continued: bool = False) -> None:
        self.calls += 1
        if self.fail_with is not None:
            raise self.fail_with
        self.lines.extend(lines)


@pytest.fixture
def pump() -> Iterator[OutputPump]:
    instance = OutputPump()
    instance.start()
    yield instance
    instance.stop()


def _attach(pump: OutputPump, sink: Sink) -> int:
    channel, (out_w, err_w) = pump.open_channel()
    pump.attach(channel, sink)
    os.close(err_w)
    return out_w


def test_a_log_that_refuses_writes_never_stops_the_pump(pump: OutputPump) -> None:
    full = Sink(fail_with=OSError(28, "No space left on device"))
    healthy = Sink()
    full_w, healthy_w = _attach(pump, full), _attach(pump, healthy)
    os.write(full_w, b"a whole line\n")
    os.write(full_w, b"a partial line")  # written after a moment: that write used to kill the pump
    wait_until(lambda: full.calls >= 2, 5, what="both writes to be tried")
    os.write(healthy_w, b"still read\n")
    wait_until(lambda: healthy.lines == ["still read"], 5, what="the other strategy's line")
    assert pump.ensure_alive() is False  # it never died
    for fd in (full_w, healthy_w):
        os.close(fd)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_the_watchdog_restarts_a_pump_that_died(pump: OutputPump) -> None:
    fatal = Sink(fail_with=SystemExit(1))  # not an Exception: nothing in the pump catches it
    healthy = Sink()
    fatal_w, healthy_w = _attach(pump, fatal), _attach(pump, healthy)
    os.write(fatal_w, b"the last line it reads\n")
    wait_until(lambda: not pump.alive, 5, what="the pump to die")
    os.write(healthy_w, b"waiting to be read\n")
    assert pump.ensure_alive() is True
    assert pump.alive
    wait_until(lambda: healthy.lines == ["waiting to be read"], 5, what="output after the restart")
    assert pump.ensure_alive() is False
    for fd in (fatal_w, healthy_w):
        os.close(fd)
