"""Intraday gating: entries within [start, end], exits within [start, square-off], trading days only."""

from __future__ import annotations

from datetime import time

from services.webhooks.windows import TradingWindow, closed_reason
from tests.support.schedules import calendar_from, ist

CAL = calendar_from()
WINDOW = TradingWindow(time(9, 30), time(15, 0), time(15, 15))
MONDAY = (2026, 11, 23)  # a regular NSE trading day
CHRISTMAS = (2026, 12, 25)  # an NSE trading holiday (a Friday)


def reason(
    hour: int, minute: int, *, entry: bool, day: tuple[int, int, int] = MONDAY, second: int = 0
) -> str | None:
    return closed_reason(WINDOW, "NSE", CAL, ist(*day, hour, minute, second=second), is_entry=entry)


def test_entries_inside_the_window_act_and_the_end_minute_counts() -> None:
    assert reason(9, 30, entry=True) is None
    assert reason(15, 0, entry=True, second=59) is None


def test_entries_outside_the_window_are_ignored_with_the_reason() -> None:
    assert "start time 09:30" in (reason(9, 29, entry=True) or "")
    assert "end time 15:00" in (reason(15, 1, entry=True) or "")


def test_exits_run_until_the_square_off_time() -> None:
    assert reason(15, 10, entry=False) is None
    assert "square-off time 15:15" in (reason(15, 16, entry=False) or "")
    assert "start time" in (reason(9, 0, entry=False) or "")


def test_a_holiday_and_a_weekend_take_nothing() -> None:
    assert "holiday" in (reason(11, 0, entry=True, day=CHRISTMAS) or "")
    assert "Saturday" in (reason(11, 0, entry=True, day=(2026, 11, 28)) or "")


def test_a_positional_strategy_is_never_gated() -> None:
    assert closed_reason(None, "NSE", CAL, ist(*CHRISTMAS, 3, 0), is_entry=True) is None


def test_crypto_trades_around_the_clock() -> None:
    window = TradingWindow(time(0, 0), time(23, 30), time(23, 45))
    assert closed_reason(window, "CRYPTO", CAL, ist(2026, 11, 28, 23, 0), is_entry=True) is None
