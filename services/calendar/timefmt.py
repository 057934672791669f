"""Text forms of times the trader types and reads: ``HH:MM`` (24-hour IST) and IST timestamps."""

from __future__ import annotations

import re
from datetime import datetime, time

from services.clock import to_ist

# ASCII digits only: ``\d`` would also accept other scripts' digits, which int() converts.
_HHMM = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")

#: Day names as schedules spell them, index = ``date.weekday()`` (Monday = 0).
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_TITLES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def parse_hhmm(text: object) -> time:
    """``"09:15"`` → ``time(9, 15)``; ValueError for anything but zero-padded 24-hour ``HH:MM``."""
    if not isinstance(text, str) or not _HHMM.fullmatch(text):
        raise ValueError("use HH:MM, 24-hour, zero-padded (for example 09:15)")
    return time(int(text[:2]), int(text[3:]))


def format_hhmm(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def format_ist(moment: datetime) -> str:
    """``2026-11-23 09:15 IST``: how the trader reads a moment in a status line."""
    return to_ist(moment).strftime("%Y-%m-%d %H:%M IST")
