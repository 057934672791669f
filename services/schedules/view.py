"""How a schedule reads on the dashboard: ``09:15–15:30 IST, Mon–Fri`` and its JSON form."""

from __future__ import annotations

from typing import Any

from services.calendar.timefmt import DAY_NAMES, format_hhmm
from services.schedules.schedule import Schedule

_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def days_text(days: frozenset[str]) -> str:
    """``Mon–Fri``, ``Every day``, ``Mon, Wed, Fri``, ``Mon–Wed, Sat``: runs of three or more
    consecutive days as a range, in week order (Monday first)."""
    indexes = sorted(DAY_NAMES.index(day) for day in days)
    if len(indexes) == 7:
        return "Every day"
    runs: list[list[int]] = []
    for index in indexes:
        if runs and index == runs[-1][-1] + 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{_SHORT[run[0]]}–{_SHORT[run[-1]]}")
        else:
            parts.extend(_SHORT[index] for index in run)
    return ", ".join(parts)


def summary(schedule: Schedule) -> str:
    """One line for the card: times (IST), days, and whether holidays are ignored."""
    start = format_hhmm(schedule.start)
    if schedule.stop is None:
        times = f"from {start} IST, runs until stopped"
    elif schedule.overnight:
        times = f"{start}–{format_hhmm(schedule.stop)} IST (next day)"
    else:
        times = f"{start}–{format_hhmm(schedule.stop)} IST"
    text = f"{times}, {days_text(schedule.days)}"
    return f"{text}, ignoring holidays" if schedule.ignore_holidays else text


def schedule_view(schedule: Schedule | None) -> dict[str, Any] | None:
    """The ``schedule`` field of a status entry (None when the strategy has no schedule)."""
    if schedule is None:
        return None
    return {
        "start": format_hhmm(schedule.start),
        "stop": None if schedule.stop is None else format_hhmm(schedule.stop),
        "days": schedule.ordered_days(),
        "exchange": schedule.exchange,
        "ignore_holidays": schedule.ignore_holidays,
        "summary": summary(schedule),
    }
