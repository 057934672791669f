"""Schedules of hosted scripts and the exchange calendar's reload."""

from __future__ import annotations

from dataclasses import dataclass

from services.settings.fields import setting as _setting
from services.settings.parsers import float_range as _float_range
from services.settings.parsers import int_range as _int_range


@dataclass(frozen=True)
class ScheduleSettings:
    schedule_reconcile_s: float = _setting(
        "SCHEDULE_RECONCILE_S",
        _float_range(0.1, 2.0),
        1.0,
        "Seconds between scheduler reconcile passes (the safety net behind the exact cron jobs)",
    )
    schedule_misfire_grace_s: int = _setting(
        "SCHEDULE_MISFIRE_GRACE_S",
        _int_range(60, 3600),
        120,
        "How late (seconds) a delayed cron start/stop may still run; later ones are reconciled",
    )
    schedule_calendar_check_s: float = _setting(
        "SCHEDULE_CALENDAR_CHECK_S",
        _float_range(1.0, 3600.0),
        60.0,
        "Seconds between checks for an imported exchange-calendar year (reloaded while running)",
    )
