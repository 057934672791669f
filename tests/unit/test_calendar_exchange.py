"""The exchange calendar as shipped for 2026: what trades when, and how a closed day is explained."""

from __future__ import annotations

from datetime import date, time

import pytest

from services.calendar.exchange_calendar import CalendarEntry, EntryKind, ExchangeCalendar
from tests.support.schedules import calendar_from

CAL = calendar_from()

#: NSE's 2026 weekday trading holidays (15), cross-checked against the published list.
NSE_HOLIDAYS_2026 = {
    date(2026, 1, 26): "Republic Day",
    date(2026, 3, 3): "Holi",
    date(2026, 3, 26): "Shri Ram Navami",
    date(2026, 3, 31): "Shri Mahavir Jayanti",
    date(2026, 4, 3): "Good Friday",
    date(2026, 4, 14): "Dr. Baba Saheb Ambedkar Jayanti",
    date(2026, 5, 1): "Maharashtra Day",
    date(2026, 5, 28): "Bakri Id (Id-Ul-Zuha)",
    date(2026, 6, 26): "Muharram",
    date(2026, 9, 14): "Ganesh Chaturthi",
    date(2026, 10, 2): "Mahatma Gandhi Jayanti",
    date(2026, 10, 20): "Dussehra",
    date(2026, 11, 10): "Diwali Balipratipada",
    date(2026, 11, 24): "Prakash Gurpurb Sri Guru Nanak Dev",
    date(2026, 12, 25): "Christmas",
}
MCX_CLOSED_ALL_DAY = {date(2026, 1, 26), date(2026, 4, 3), date(2026, 10, 2), date(2026, 12, 25)}


def weekdays_of(year: int) -> list[date]:
    day, days = date(year, 1, 1), []
    while day.year == year:
        if day.weekday() < 5:
            days.append(day)
        day = date.fromordinal(day.toordinal() + 1)
    return days


@pytest.mark.parametrize("exchange", ["NSE", "BSE", "NFO", "BFO", "CDS", "BCD"])
def test_equity_fo_and_currency_close_exactly_on_the_fifteen_nse_holidays(exchange: str) -> None:
    closed = {day for day in weekdays_of(2026) if not CAL.is_trading_day(exchange, day)}
    assert closed == set(NSE_HOLIDAYS_2026)
    for day, name in NSE_HOLIDAYS_2026.items():
        assert CAL.reason_closed(exchange, day) == f"{exchange} holiday: {name}"


def test_ambedkar_jayanti_nse_closed_mcx_open_in_the_evening_only() -> None:
    day = date(2026, 4, 14)
    assert CAL.session_on("NSE", day) == []
    assert CAL.reason_closed("NSE", day) == "NSE holiday: Dr. Baba Saheb Ambedkar Jayanti"
    assert CAL.session_on("MCX", day) == [(time(17, 0), time(23, 55))]
    assert CAL.is_trading_day("MCX", day)
    assert CAL.reason_closed("MCX", day) is None
    assert not CAL.is_regular_day("MCX", day)
    assert (
        CAL.note_on("MCX", day) == "MCX holiday: Dr. Baba Saheb Ambedkar Jayanti (open 17:00–23:55 IST only)"
    )


@pytest.mark.parametrize("exchange", ["MCX", "NCO"])
def test_commodities_trade_the_evening_of_every_nse_holiday_but_four(exchange: str) -> None:
    for day in NSE_HOLIDAYS_2026:
        if day in MCX_CLOSED_ALL_DAY:
            assert CAL.session_on(exchange, day) == [], day
        else:
            assert CAL.session_on(exchange, day) == [(time(17, 0), time(23, 55))], day


def test_new_year_day_mcx_trades_the_morning_only_nse_trades_normally() -> None:
    day = date(2026, 1, 1)
    assert CAL.session_on("MCX", day) == [(time(9, 0), time(17, 0))]
    assert CAL.session_on("NSE", day) == [(time(9, 15), time(15, 30))]
    assert CAL.is_regular_day("NSE", day)


def test_muhurat_is_a_special_session_on_a_sunday() -> None:
    day = date(2026, 11, 8)
    assert day.weekday() == 6
    for exchange in ("NSE", "BSE", "NFO", "BFO", "CDS", "BCD", "MCX", "NCO"):
        assert CAL.session_on(exchange, day) == [(time(18, 0), time(19, 0))]
        assert CAL.is_trading_day(exchange, day)
    assert (
        CAL.note_on("NSE", day)
        == "NSE special session: Muhurat trading (Diwali Laxmi Pujan) (18:00–19:00 IST)"
    )


def test_a_plain_sunday_only_crypto_trades() -> None:
    day = date(2026, 11, 15)
    for exchange in ("NSE", "BSE", "NFO", "BFO", "CDS", "BCD", "MCX", "NCO"):
        assert not CAL.is_trading_day(exchange, day)
        assert CAL.reason_closed(exchange, day) == f"{exchange} closed on Sunday"
    assert CAL.session_on("CRYPTO", day) == [(time(0, 0), time(23, 59, 59))]


def test_a_holiday_on_a_weekend_is_named() -> None:
    assert CAL.reason_closed("NSE", date(2026, 8, 15)) == "NSE holiday: Independence Day"


def test_a_settlement_holiday_is_a_regular_trading_day() -> None:
    day = date(2026, 2, 19)
    assert CAL.session_on("NSE", day) == [(time(9, 15), time(15, 30))]
    assert CAL.is_regular_day("NSE", day)
    assert CAL.reason_closed("NSE", day) is None
    assert CAL.note_on("NSE", day) == (
        "NSE settlement holiday (trading as usual): Chhatrapati Shivaji Maharaj Jayanti"
    )


def test_next_trading_day_skips_weekends_and_holidays_per_exchange() -> None:
    # Friday 3 April is Good Friday: next NSE day after Thursday 2 April is Monday 6 April.
    assert CAL.next_trading_day("NSE", date(2026, 4, 2)) == date(2026, 4, 6)
    # Monday 23 November -> Tuesday 24 is Guru Nanak Jayanti -> Wednesday 25.
    assert CAL.next_trading_day("NSE", date(2026, 11, 23)) == date(2026, 11, 25)
    # MCX trades that Tuesday's evening session.
    assert CAL.next_trading_day("MCX", date(2026, 11, 23)) == date(2026, 11, 24)
    # Saturday 7 November -> the Muhurat Sunday.
    assert CAL.next_trading_day("NSE", date(2026, 11, 7)) == date(2026, 11, 8)
    assert CAL.next_trading_day("CRYPTO", date(2026, 11, 14)) == date(2026, 11, 15)


def test_a_year_without_a_list_trades_on_regular_weekdays_and_says_so() -> None:
    assert CAL.has_year(2026)
    assert not CAL.has_year(2027)
    assert CAL.is_trading_day("NSE", date(2027, 1, 26))  # unknown: not guessed as a holiday


def test_unknown_exchange_is_an_error_not_always_open() -> None:
    with pytest.raises(KeyError):
        CAL.is_trading_day("NYSE", date(2026, 11, 23))


def test_exchange_codes_are_case_insensitive() -> None:
    assert CAL.reason_closed("nse", date(2026, 4, 3)) == "NSE holiday: Good Friday"


def test_a_special_session_on_a_normal_day_adds_to_the_regular_session() -> None:
    day = date(2026, 11, 23)
    extra = CalendarEntry(
        "NSE", day, EntryKind.SPECIAL_SESSION, "Live trading from DR site", time(16, 0), time(17, 0)
    )
    cal = ExchangeCalendar([extra])
    assert cal.session_on("NSE", day) == [(time(9, 15), time(15, 30)), (time(16, 0), time(17, 0))]
    assert not cal.is_regular_day("NSE", day)


def test_entries_reject_impossible_sessions() -> None:
    day = date(2026, 11, 23)
    with pytest.raises(ValueError):
        CalendarEntry("NSE", day, EntryKind.SPECIAL_SESSION, "x", time(19, 0), time(18, 0))
    with pytest.raises(ValueError):
        CalendarEntry("NSE", day, EntryKind.SPECIAL_SESSION, "x")
    with pytest.raises(ValueError):
        CalendarEntry("NSE", day, EntryKind.TRADING_HOLIDAY, "x", time(9, 0), time(10, 0))


def test_entries_in_year_lists_the_shipped_year_in_date_order() -> None:
    entries = CAL.entries_in_year(2026)
    assert entries == sorted(entries, key=lambda e: (e.day, e.exchange, e.kind.value))
    assert {entry.exchange for entry in entries} == {"NSE", "BSE", "NFO", "BFO", "CDS", "BCD", "MCX", "NCO"}
