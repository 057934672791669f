"""Display text for strategy status entries on the server-rendered ``/python`` pages.

static/js/format.js formats the same values the same way when a live update arrives, so
a card reads identically before and after its first update. Presentation only: what a value
means (badges, allowed actions, notes) comes with the status entry itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.clock import to_ist

DASH = "–"


def uptime_text(seconds: object) -> str:
    """``45 s``, ``12 m 05 s``, ``3 h 04 m``, ``2 d 03 h``; a dash when not running."""
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
        return DASH
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} m {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} m"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours:02d} h"


def cpu_text(percent: object) -> str:
    if not isinstance(percent, int | float) or isinstance(percent, bool):
        return DASH
    return f"{percent:.1f} %"


def memory_text(megabytes: object) -> str:
    if not isinstance(megabytes, int | float) or isinstance(megabytes, bool):
        return DASH
    return f"{megabytes:.1f} MB"


def moment_text(iso: object, seconds: bool = False) -> str:
    """An IST ISO timestamp as ``Tue 24 Nov 09:15`` (``09:15:02`` with seconds); a dash if none."""
    if not isinstance(iso, str) or not iso:
        return DASH
    try:
        moment = to_ist(datetime.fromisoformat(iso))
    except ValueError:
        return iso
    return moment.strftime("%a %d %b %H:%M:%S" if seconds else "%a %d %b %H:%M")


def run_text(run: dict[str, Any]) -> str:
    """A log run in the run selector: when it started, and whether it is the latest."""
    started = moment_text(run.get("started"), seconds=True)
    label = f"{started} IST" if run.get("started") else str(run.get("run", ""))
    return f"{label} (latest)" if run.get("current") else label


def last_exit_text(entry: dict[str, Any]) -> str:
    """How the last run ended: ``signal SIGKILL``, ``code 3`` or a dash."""
    if entry.get("exit_signal"):
        return f"signal {entry['exit_signal']}"
    if entry.get("exit_code") is not None:
        return f"code {entry['exit_code']}"
    return DASH


def schedule_text(entry: dict[str, Any]) -> str:
    """The schedule's summary, or that there is none."""
    schedule = entry.get("schedule")
    if entry.get("scheduled") and isinstance(schedule, dict) and schedule.get("summary"):
        return str(schedule["summary"])
    return "Scheduled" if entry.get("scheduled") else "Not scheduled"


FORMATTERS = {
    "uptime_text": uptime_text,
    "cpu_text": cpu_text,
    "memory_text": memory_text,
    "moment_text": moment_text,
    "last_exit_text": last_exit_text,
    "schedule_text": schedule_text,
    "run_text": run_text,
}
