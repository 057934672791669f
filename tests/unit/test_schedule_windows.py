"""next_start / next_stop / windows: the times the status page shows and APScheduler will fire."""

from __future__ import annotations

from datetime import date

from services.schedules.schedule import Schedule, parse_schedule
from services.schedules.windows import current_window, last_start, next_start, next_stop, windows_on
from tests.support.schedules import calendar_from, ist

CAL = calendar_from()


def make(
    start: str, stop: str | None, days: list[str], exchange: str = "NSE", ignore: bool = False
) -> Schedule:
    return parse_schedule(
        {
            "schedule_start": start,
            "schedule_stop": stop,
            "schedule_days": days,
            "exchange": exchange,
            "ignore_holidays": ignore,
        }
    )


WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def test_next_start_is_strictly_after_now() -> None:
    plan = make("09:15", "15:30", WEEKDAYS)
    assert next_start(plan, ist(2026, 11, 23, 9, 14, second=59), CAL) == ist(2026, 11, 23, 9, 15)
    assert next_start(plan, ist(2026, 11, 23, 9, 15), CAL) == ist(2026, 11, 25, 9, 15)


def test_next_stop_is_the_end_of_the_current_window_when_inside() -> None:
    plan = make("09:15", "15:30", WEEKDAYS)
    assert next_stop(plan, ist(2026, 11, 23, 10, 0), CAL) == ist(2026, 11, 23, 15, 30)
    assert next_stop(plan, ist(2026, 11, 23, 15, 30), CAL) == ist(2026, 11, 25, 15, 30)


def test_next_stop_sees_yesterdays_overnight_window() -> None:
    plan = make("21:00", "02:00", ["fri"])
    assert next_stop(plan, ist(2026, 11, 21, 1, 0), CAL) == ist(2026, 11, 21, 2, 0)
    assert current_window(plan, ist(2026, 11, 21, 1, 0), CAL) is not None


def test_the_year_boundary_into_a_year_without_a_list_uses_regular_weekdays() -> None:
    plan = make("09:15", "15:30", WEEKDAYS)
    # Thursday 31 Dec 2026 15:30 -> Friday 1 Jan 2027 (no 2027 list loaded: a weekday trades).
    assert next_start(plan, ist(2026, 12, 31, 16, 0), CAL) == ist(2027, 1, 1, 9, 15)


def test_christmas_friday_pushes_the_next_start_to_monday() -> None:
    plan = make("09:15", "15:30", WEEKDAYS)
    assert next_start(plan, ist(2026, 12, 24, 16, 0), CAL) == ist(2026, 12, 28, 9, 15)


def test_an_open_ended_window_on_an_evening_only_day_starts_with_the_session() -> None:
    plan = make("09:00", None, WEEKDAYS, exchange="MCX")
    windows = windows_on(plan, date(2026, 4, 14), CAL)
    assert [(w.start, w.end) for w in windows] == [(ist(2026, 4, 14, 17, 0), None)]
    assert last_start(plan, ist(2026, 4, 14, 12, 0), CAL) == ist(2026, 4, 13, 9, 0)


def test_ignore_holidays_windows_follow_the_clock() -> None:
    plan = make("09:15", "15:30", WEEKDAYS, ignore=True)
    assert [w.start for w in windows_on(plan, date(2026, 4, 14), CAL)] == [ist(2026, 4, 14, 9, 15)]
    assert windows_on(plan, date(2026, 11, 15), CAL) == []  # Sunday is not listed


def test_a_holiday_has_no_window() -> None:
    plan = make("09:15", "15:30", WEEKDAYS)
    assert windows_on(plan, date(2026, 4, 14), CAL) == []
    assert current_window(plan, ist(2026, 4, 14, 10, 0), CAL) is None
