"""should_run: what a trader observes of a scheduled strategy, driven by explicit times (no sleeps).

Dates are in 2026 on the shipped calendar: Monday 23 Nov is a normal day, Tuesday 24 Nov is Guru
Nanak Jayanti (NSE closed, MCX evening open), 14 Apr is Ambedkar Jayanti, Sunday 8 Nov is Muhurat.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.schedules.policy import (
    WAITING_FOR_CONTRACTS,
    Cause,
    Contracts,
    Decision,
    ManualAction,
    ManualOverride,
    StrategyPlan,
    Verdict,
    should_run,
)
from services.schedules.schedule import Schedule, parse_schedule
from tests.support.schedules import calendar_from, ist

CAL = calendar_from()
READY = Contracts(ready=True)
NOT_READY = Contracts(ready=False)
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
EVERY_DAY = [*WEEKDAYS, "sat", "sun"]


def schedule(
    start: str = "09:15",
    stop: str | None = "15:30",
    days: list[str] | None = None,
    exchange: str = "NSE",
    ignore_holidays: bool = False,
) -> Schedule:
    return parse_schedule(
        {
            "schedule_start": start,
            "schedule_stop": stop,
            "schedule_days": days or WEEKDAYS,
            "exchange": exchange,
            "ignore_holidays": ignore_holidays,
        }
    )


def decide(
    plan: Schedule | None,
    now: datetime,
    manual: ManualOverride | None = None,
    contracts: Contracts = READY,
) -> Decision:
    return should_run(StrategyPlan(plan, manual), now, CAL, contracts)


def started(at: datetime) -> ManualOverride:
    return ManualOverride(ManualAction.START, at)


def stopped(at: datetime) -> ManualOverride:
    return ManualOverride(ManualAction.STOP, at)


MARKET_HOURS = schedule()


# --- Start and stop at the exact times -----------------------------------------------------------


def test_starts_exactly_at_the_start_minute_and_stops_exactly_at_the_stop_minute() -> None:
    assert decide(MARKET_HOURS, ist(2026, 11, 23, 9, 14, second=59)).verdict is Verdict.STOP
    at_start = decide(MARKET_HOURS, ist(2026, 11, 23, 9, 15))
    assert at_start.verdict is Verdict.RUN
    assert at_start.cause is Cause.IN_WINDOW
    assert at_start.reason == "inside schedule window until 2026-11-23 15:30 IST"
    assert decide(MARKET_HOURS, ist(2026, 11, 23, 15, 29, second=59)).verdict is Verdict.RUN
    at_stop = decide(MARKET_HOURS, ist(2026, 11, 23, 15, 30))
    assert at_stop.verdict is Verdict.STOP
    assert at_stop.cause is Cause.OUTSIDE_WINDOW


def test_the_decision_carries_the_next_start_and_stop_in_ist() -> None:
    inside = decide(MARKET_HOURS, ist(2026, 11, 23, 10, 0))
    assert inside.next_stop == ist(2026, 11, 23, 15, 30)
    # Tuesday 24 November is a holiday: the next start is Wednesday.
    assert inside.next_start == ist(2026, 11, 25, 9, 15)
    assert inside.next_start is not None and inside.next_start.utcoffset() == ist(2026, 1, 1).utcoffset()
    after = decide(MARKET_HOURS, ist(2026, 11, 23, 16, 0))
    assert after.reason == "outside schedule window; next start 2026-11-25 09:15 IST"
    assert after.next_stop == ist(2026, 11, 25, 15, 30)


def test_now_may_be_given_in_utc() -> None:
    # 03:45 UTC is 09:15 IST.
    assert decide(MARKET_HOURS, datetime(2026, 11, 23, 3, 45, tzinfo=UTC)).verdict is Verdict.RUN


def test_a_naive_now_is_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="aware"):
        decide(MARKET_HOURS, datetime(2026, 11, 23, 10, 0))


# --- Host restarts -------------------------------------------------------------------------------


def test_a_restart_inside_the_window_runs_the_strategy() -> None:
    # The policy has no memory: whatever happened before, at 11:07 inside the window it runs.
    assert decide(MARKET_HOURS, ist(2026, 11, 23, 11, 7)).verdict is Verdict.RUN


def test_a_restart_outside_the_window_or_on_a_weekend_starts_nothing() -> None:
    assert decide(MARKET_HOURS, ist(2026, 11, 23, 7, 0)).verdict is Verdict.STOP
    assert decide(MARKET_HOURS, ist(2026, 11, 23, 20, 0)).verdict is Verdict.STOP
    saturday = decide(MARKET_HOURS, ist(2026, 11, 21, 10, 0))
    assert saturday.verdict is Verdict.STOP
    assert saturday.next_start == ist(2026, 11, 23, 9, 15)


# --- Manual override -----------------------------------------------------------------------------


def test_manual_start_outside_the_window_runs_until_the_next_scheduled_stop() -> None:
    manual = started(ist(2026, 11, 23, 7, 0))
    early = decide(MARKET_HOURS, ist(2026, 11, 23, 7, 0, second=1), manual)
    assert early.verdict is Verdict.RUN
    assert early.cause is Cause.MANUAL_START
    assert early.reason == "manually started; the scheduled stop at 2026-11-23 15:30 IST stops it"
    assert decide(MARKET_HOURS, ist(2026, 11, 23, 12, 0), manual).verdict is Verdict.RUN
    at_stop = decide(MARKET_HOURS, ist(2026, 11, 23, 15, 30), manual)
    assert at_stop.verdict is Verdict.STOP
    assert at_stop.cause is Cause.OUTSIDE_WINDOW


def test_manual_start_after_the_stop_runs_until_the_next_trading_days_stop() -> None:
    manual = started(ist(2026, 11, 23, 16, 0))
    # Tuesday is a holiday: the next scheduled stop is Wednesday 15:30.
    assert decide(MARKET_HOURS, ist(2026, 11, 24, 12, 0), manual).verdict is Verdict.RUN
    assert decide(MARKET_HOURS, ist(2026, 11, 25, 15, 29), manual).verdict is Verdict.RUN
    assert decide(MARKET_HOURS, ist(2026, 11, 25, 15, 30), manual).verdict is Verdict.STOP


def test_manual_start_inside_the_window_is_stopped_by_that_windows_stop() -> None:
    manual = started(ist(2026, 11, 23, 10, 0))
    assert decide(MARKET_HOURS, ist(2026, 11, 23, 15, 29), manual).verdict is Verdict.RUN
    assert decide(MARKET_HOURS, ist(2026, 11, 23, 15, 30), manual).verdict is Verdict.STOP


def test_manual_stop_inside_the_window_sticks_until_the_next_scheduled_start() -> None:
    manual = stopped(ist(2026, 11, 23, 11, 0))
    later = decide(MARKET_HOURS, ist(2026, 11, 23, 11, 0, second=2), manual)
    assert later.verdict is Verdict.STOP
    assert later.cause is Cause.MANUAL_STOP
    # Tuesday 24 is a holiday, so "next scheduled start" is Wednesday.
    assert later.reason == "manually stopped until next scheduled start 2026-11-25 09:15 IST"
    assert decide(MARKET_HOURS, ist(2026, 11, 23, 15, 0), manual).verdict is Verdict.STOP
    assert decide(MARKET_HOURS, ist(2026, 11, 25, 9, 14), manual).verdict is Verdict.STOP
    assert decide(MARKET_HOURS, ist(2026, 11, 25, 9, 15), manual).verdict is Verdict.RUN


def test_a_manual_start_after_a_manual_stop_runs_again() -> None:
    # Only the latest manual action counts.
    manual = started(ist(2026, 11, 23, 12, 0))
    assert decide(MARKET_HOURS, ist(2026, 11, 23, 12, 0, second=1), manual).verdict is Verdict.RUN


def test_manual_stop_at_the_exact_start_minute_keeps_it_stopped() -> None:
    manual = stopped(ist(2026, 11, 23, 9, 15))
    assert decide(MARKET_HOURS, ist(2026, 11, 23, 9, 16), manual).verdict is Verdict.STOP


def test_an_unscheduled_strategy_runs_only_when_started_by_hand() -> None:
    assert decide(None, ist(2026, 11, 23, 10, 0)).cause is Cause.NOT_SCHEDULED
    assert decide(None, ist(2026, 11, 23, 10, 0)).verdict is Verdict.STOP
    running = decide(None, ist(2026, 11, 29, 3, 0), started(ist(2026, 11, 23, 10, 0)))
    assert (running.verdict, running.next_start, running.next_stop) == (Verdict.RUN, None, None)
    assert decide(None, ist(2026, 11, 23, 11, 0), stopped(ist(2026, 11, 23, 10, 0))).verdict is Verdict.STOP


# --- Windows without a stop and overnight windows --------------------------------------------


def test_a_schedule_without_stop_runs_until_stopped_and_restarts_on_the_next_start() -> None:
    open_ended = schedule(stop=None)
    assert decide(open_ended, ist(2026, 11, 23, 9, 0)).verdict is Verdict.RUN  # started last Friday
    monday = decide(open_ended, ist(2026, 11, 23, 23, 0))
    assert monday.verdict is Verdict.RUN
    assert monday.next_stop is None
    manual = stopped(ist(2026, 11, 23, 12, 0))
    assert decide(open_ended, ist(2026, 11, 24, 12, 0), manual).verdict is Verdict.STOP  # holiday
    assert decide(open_ended, ist(2026, 11, 25, 9, 15), manual).verdict is Verdict.RUN


def test_overnight_window_stops_the_next_day_even_when_that_day_is_not_listed() -> None:
    overnight = schedule(start="21:00", stop="02:00", days=["fri"])
    friday_evening = decide(overnight, ist(2026, 11, 20, 22, 0))
    assert friday_evening.verdict is Verdict.RUN
    assert friday_evening.next_stop == ist(2026, 11, 21, 2, 0)
    assert decide(overnight, ist(2026, 11, 21, 1, 59)).verdict is Verdict.RUN  # Saturday, not listed
    assert decide(overnight, ist(2026, 11, 21, 2, 0)).verdict is Verdict.STOP
    assert decide(overnight, ist(2026, 11, 20, 20, 59)).verdict is Verdict.STOP
    # A Saturday-night window does not exist: Saturday is not listed.
    assert decide(overnight, ist(2026, 11, 21, 22, 0)).verdict is Verdict.STOP


def test_overnight_window_does_not_start_on_a_holiday() -> None:
    overnight = schedule(start="21:00", stop="02:00", days=["tue"])
    holiday = decide(overnight, ist(2026, 11, 24, 22, 0))
    assert holiday.verdict is Verdict.STOP
    assert holiday.reason == "NSE holiday: Prakash Gurpurb Sri Guru Nanak Dev"


# --- The exchange calendar -------------------------------------------------------------------


def test_ambedkar_jayanti_nse_strategy_stays_off_and_says_why() -> None:
    decision = decide(MARKET_HOURS, ist(2026, 4, 14, 10, 0))
    assert decision.verdict is Verdict.STOP
    assert decision.cause is Cause.MARKET_CLOSED
    assert decision.reason == "NSE holiday: Dr. Baba Saheb Ambedkar Jayanti"
    assert decision.next_start == ist(2026, 4, 15, 9, 15)
    # Before the window on the holiday morning the holiday is named too.
    assert (
        decide(MARKET_HOURS, ist(2026, 4, 14, 7, 0)).reason == "NSE holiday: Dr. Baba Saheb Ambedkar Jayanti"
    )


def test_ambedkar_jayanti_mcx_strategy_runs_the_evening_session() -> None:
    mcx = schedule(start="09:00", stop="23:55", exchange="MCX")
    morning = decide(mcx, ist(2026, 4, 14, 10, 0))
    assert morning.verdict is Verdict.STOP
    assert morning.reason == "MCX holiday: Dr. Baba Saheb Ambedkar Jayanti (open 17:00–23:55 IST only)"
    assert morning.next_start == ist(2026, 4, 14, 17, 0)
    assert decide(mcx, ist(2026, 4, 14, 16, 59)).verdict is Verdict.STOP
    evening = decide(mcx, ist(2026, 4, 14, 17, 0))
    assert evening.verdict is Verdict.RUN
    assert evening.next_stop == ist(2026, 4, 14, 23, 55)
    assert decide(mcx, ist(2026, 4, 14, 23, 55)).verdict is Verdict.STOP


def test_an_mcx_morning_only_strategy_does_not_run_on_an_evening_only_day() -> None:
    morning_only = schedule(start="09:00", stop="17:00", exchange="MCX")
    assert decide(morning_only, ist(2026, 4, 14, 12, 0)).verdict is Verdict.STOP
    assert decide(morning_only, ist(2026, 4, 14, 12, 0)).next_start == ist(2026, 4, 15, 9, 0)


def test_muhurat_sunday_runs_a_strategy_listed_for_sunday_inside_the_special_session() -> None:
    evenings = schedule(start="17:45", stop="19:30", days=EVERY_DAY)
    before = decide(evenings, ist(2026, 11, 8, 17, 50))
    assert before.verdict is Verdict.STOP
    assert before.reason == "NSE special session: Muhurat trading (Diwali Laxmi Pujan) (18:00–19:00 IST)"
    assert before.next_start == ist(2026, 11, 8, 18, 0)
    during = decide(evenings, ist(2026, 11, 8, 18, 0))
    assert during.verdict is Verdict.RUN
    assert during.next_stop == ist(2026, 11, 8, 19, 0)
    assert decide(evenings, ist(2026, 11, 8, 19, 0)).verdict is Verdict.STOP


def test_muhurat_sunday_does_not_run_weekday_or_daytime_schedules() -> None:
    assert decide(MARKET_HOURS, ist(2026, 11, 8, 18, 30)).verdict is Verdict.STOP
    daytime_every_day = schedule(days=EVERY_DAY)
    assert decide(daytime_every_day, ist(2026, 11, 8, 10, 0)).verdict is Verdict.STOP
    assert decide(daytime_every_day, ist(2026, 11, 7, 12, 0)).next_start == ist(2026, 11, 9, 9, 15)


def test_a_plain_sunday_only_crypto_runs() -> None:
    sunday = ist(2026, 11, 15, 10, 0)
    for exchange in ("NSE", "BSE", "NFO", "BFO", "CDS", "BCD", "MCX", "NCO"):
        decision = decide(schedule(days=EVERY_DAY, exchange=exchange), sunday)
        assert decision.verdict is Verdict.STOP, exchange
        assert decision.reason == f"{exchange} closed on Sunday"
    assert decide(schedule(days=EVERY_DAY, exchange="CRYPTO"), sunday).verdict is Verdict.RUN


def test_crypto_runs_on_exchange_holidays() -> None:
    crypto = schedule(start="00:00", stop="23:59", days=EVERY_DAY, exchange="CRYPTO")
    assert decide(crypto, ist(2026, 12, 25, 12, 0)).verdict is Verdict.RUN


def test_a_settlement_holiday_is_a_trading_day() -> None:
    assert decide(MARKET_HOURS, ist(2026, 2, 19, 10, 0)).verdict is Verdict.RUN


def test_ignore_holidays_runs_by_the_clock_alone() -> None:
    clock_only = schedule(ignore_holidays=True)
    assert decide(clock_only, ist(2026, 4, 14, 10, 0)).verdict is Verdict.RUN
    assert decide(clock_only, ist(2026, 4, 14, 16, 0)).next_start == ist(2026, 4, 15, 9, 15)
    assert (
        decide(schedule(ignore_holidays=True, days=EVERY_DAY), ist(2026, 11, 15, 10, 0)).verdict
        is Verdict.RUN
    )


def test_a_schedule_whose_days_never_trade_says_so() -> None:
    weekends_nse = schedule(days=["sat"])
    decision = decide(weekends_nse, ist(2026, 11, 23, 10, 0))
    assert decision.verdict is Verdict.STOP
    assert decision.next_start is None
    assert decision.reason == "outside schedule window; no trading day ahead matches it"


# --- Master contract -------------------------------------------------------------------------


def test_a_scheduled_start_before_contracts_are_ready_waits() -> None:
    decision = decide(MARKET_HOURS, ist(2026, 11, 23, 9, 15), contracts=NOT_READY)
    assert decision.verdict is Verdict.WAIT
    assert decision.waiting and decision.should_run
    assert decision.reason == WAITING_FOR_CONTRACTS == "waiting for master contract"
    assert decision.cause is Cause.IN_WINDOW


def test_contracts_ready_late_inside_the_window_start_the_strategy() -> None:
    assert decide(MARKET_HOURS, ist(2026, 11, 23, 9, 19), contracts=NOT_READY).verdict is Verdict.WAIT
    assert decide(MARKET_HOURS, ist(2026, 11, 23, 9, 20), contracts=READY).verdict is Verdict.RUN


def test_contracts_ready_after_the_window_start_nothing() -> None:
    assert decide(MARKET_HOURS, ist(2026, 11, 23, 15, 29), contracts=NOT_READY).verdict is Verdict.WAIT
    late = decide(MARKET_HOURS, ist(2026, 11, 23, 15, 45), contracts=READY)
    assert late.verdict is Verdict.STOP
    assert not late.should_run


def test_a_manual_start_also_waits_for_contracts() -> None:
    manual = started(ist(2026, 11, 23, 7, 0))
    assert decide(MARKET_HOURS, ist(2026, 11, 23, 7, 1), manual, NOT_READY).verdict is Verdict.WAIT
    assert decide(None, ist(2026, 11, 23, 7, 1), manual, NOT_READY).verdict is Verdict.WAIT


def test_contracts_never_turn_a_stop_into_a_wait() -> None:
    assert decide(MARKET_HOURS, ist(2026, 11, 23, 20, 0), contracts=NOT_READY).verdict is Verdict.STOP
    assert decide(MARKET_HOURS, ist(2026, 4, 14, 10, 0), contracts=NOT_READY).verdict is Verdict.STOP
