"""How a schedule reads on the dashboard, and a calendar imported while the host runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.calendar.exchange_calendar import CalendarEntry, EntryKind
from services.calendar.store import CalendarStore
from services.calendar.year_file import CalendarYear
from services.schedules.schedule import parse_schedule
from services.schedules.view import days_text, summary
from tests.support.schedules import ist
from tests.support.scheduling import make_sched_world


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (["mon", "tue", "wed", "thu", "fri"], "Mon–Fri"),
        (["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "Every day"),
        (["mon", "wed", "fri"], "Mon, Wed, Fri"),
        (["fri", "mon", "tue", "wed"], "Mon–Wed, Fri"),
        (["sat", "sun"], "Sat, Sun"),
        (["sun"], "Sun"),
    ],
)
def test_days_read_as_ranges_in_week_order(days: list[str], text: str) -> None:
    assert days_text(frozenset(days)) == text


def test_summaries() -> None:
    def of(**payload: object) -> str:
        base = {
            "schedule_start": "09:15",
            "schedule_stop": "15:30",
            "schedule_days": ["mon", "tue", "wed", "thu", "fri"],
        }
        return summary(parse_schedule({**base, **payload}))

    assert of() == "09:15–15:30 IST, Mon–Fri"
    assert of(schedule_start="21:00", schedule_stop="02:00") == "21:00–02:00 IST (next day), Mon–Fri"
    assert of(schedule_stop=None, schedule_days=["sun"]) == "from 09:15 IST, runs until stopped, Sun"
    assert of(ignore_holidays=True) == "09:15–15:30 IST, Mon–Fri, ignoring holidays"


def test_a_year_imported_while_the_host_runs_is_used_without_a_restart(tmp_path: Path) -> None:
    world = make_sched_world(tmp_path / "data", ist(2026, 12, 30, 10, 0))
    strategy_id = world.add()
    world.schedule(strategy_id)
    assert world.entry(strategy_id)["next_start"] == "2026-12-31T09:15:00+05:30"
    holiday = CalendarEntry("NSE", ist(2026, 12, 31).date(), EntryKind.TRADING_HOLIDAY, "Test closure")
    year = CalendarYear(2026, (*world.scheduling.calendar.current().entries_in_year(2026), holiday), "test")
    # What ``python -m services.calendar.import_calendar`` does, from its own connection.
    CalendarStore(world.db, world.clock).import_year(year, file_name="2026.json", replace=True)
    world.tick()
    assert world.entry(strategy_id)["next_start"] == "2026-12-31T09:15:00+05:30"  # not checked yet
    world.tick(ist(2026, 12, 30, 10, 1, second=1))  # past the check interval (60 s)
    assert world.entry(strategy_id)["next_start"] == "2027-01-01T09:15:00+05:30"
    world.db.dispose()
