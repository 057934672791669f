"""Display text of the server-rendered /python pages (static/js/format.js mirrors it)."""

from __future__ import annotations

import pytest

from blueprints.python.format import (
    cpu_text,
    last_exit_text,
    memory_text,
    moment_text,
    run_text,
    schedule_text,
    uptime_text,
)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "–"), (-1, "–"), (0, "0 s"), (59.9, "59 s"), (60, "1 m 00 s"), (3599, "59 m 59 s"),
     (3600, "1 h 00 m"), (86_399, "23 h 59 m"), (90_000, "1 d 01 h"), (True, "–")],
)  # fmt: skip
def test_uptime(seconds: object, text: str) -> None:
    assert uptime_text(seconds) == text


def test_figures_and_exits() -> None:
    assert cpu_text(3.14159) == "3.1 %"
    assert cpu_text(None) == "–"
    assert memory_text(50) == "50.0 MB"
    assert last_exit_text({"exit_code": -9, "exit_signal": "SIGKILL"}) == "signal SIGKILL"
    assert last_exit_text({"exit_code": 0, "exit_signal": None}) == "code 0"
    assert last_exit_text({"exit_code": None}) == "–"


def test_moments_are_shown_in_ist() -> None:
    assert moment_text("2026-11-23T09:15:00+05:30") == "Mon 23 Nov 09:15"
    assert moment_text("2026-11-23T03:45:00+00:00") == "Mon 23 Nov 09:15"
    assert moment_text("2026-09-01T09:15:07+05:30", seconds=True) == "Tue 01 Sep 09:15:07"
    assert moment_text(None) == "–"
    assert moment_text("not a time") == "not a time"


def test_schedules_and_runs() -> None:
    schedule = {"summary": "09:15–15:30 IST, Mon–Fri"}
    assert schedule_text({"scheduled": True, "schedule": schedule}) == "09:15–15:30 IST, Mon–Fri"
    assert schedule_text({"scheduled": False, "schedule": None}) == "Not scheduled"
    assert schedule_text({}) == "Not scheduled"
    run = {"run": "20261123-091500", "started": "2026-11-23T09:15:00+05:30", "current": True}
    assert run_text(run) == "Mon 23 Nov 09:15:00 IST (latest)"
    assert run_text({"run": "20261123-091500", "started": None, "current": False}) == "20261123-091500"
