"""parse_schedule: what a trader may send to POST /python/schedule/<id>, and what is refused."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from services.errors import InvalidInput
from services.schedules.schedule import Schedule, parse_schedule


def payload(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schedule_start": "09:15",
        "schedule_stop": "15:30",
        "schedule_days": ["mon", "tue", "wed", "thu", "fri"],
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


def refused(body: object, **kwargs: Any) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        parse_schedule(body, **kwargs)
    assert "not changed" in caught.value.message or caught.value.fields
    return caught.value.fields


def test_a_market_hours_schedule_is_accepted_with_nse_by_default() -> None:
    schedule = parse_schedule(payload())
    assert schedule == Schedule(
        start=time(9, 15),
        stop=time(15, 30),
        days=frozenset({"mon", "tue", "wed", "thu", "fri"}),
        exchange="NSE",
        ignore_holidays=False,
    )
    assert not schedule.overnight
    assert schedule.weekdays == frozenset({0, 1, 2, 3, 4})


def test_days_are_case_insensitive_and_duplicates_collapse() -> None:
    schedule = parse_schedule(payload(schedule_days=["MON", "Tue", "mon", "SUN"]))
    assert schedule.days == frozenset({"mon", "tue", "sun"})
    assert schedule.ordered_days() == ["mon", "tue", "sun"]


def test_stop_may_be_null_or_absent_meaning_runs_until_stopped() -> None:
    assert parse_schedule(payload(schedule_stop=None)).stop is None
    assert parse_schedule(payload(schedule_stop=...)).stop is None


def test_overnight_window_is_accepted() -> None:
    schedule = parse_schedule(payload(schedule_start="21:00", schedule_stop="02:00"))
    assert schedule.overnight


def test_midnight_and_last_minute_are_valid_times() -> None:
    schedule = parse_schedule(payload(schedule_start="00:00", schedule_stop="23:59"))
    assert (schedule.start, schedule.stop) == (time(0, 0), time(23, 59))


@pytest.mark.parametrize(
    "bad",
    [
        "9:5",
        "24:00",
        "12:60",
        "9:15",
        "09:15:00",
        " 09:15",
        "09:15 ",
        "09-15",
        "",
        "0915",
        "٠٩:١٥",
        915,
        True,
    ],
)
def test_times_must_be_zero_padded_24_hour_hh_mm(bad: object) -> None:
    fields = refused(payload(schedule_start=bad))
    assert set(fields) == {"schedule_start"}
    assert "HH:MM" in fields["schedule_start"]
    fields = refused(payload(schedule_stop=bad))
    assert set(fields) == {"schedule_stop"}


def test_start_is_required() -> None:
    assert set(refused(payload(schedule_start=...))) == {"schedule_start"}
    assert set(refused(payload(schedule_start=None))) == {"schedule_start"}


def test_start_equal_to_stop_is_refused() -> None:
    fields = refused(payload(schedule_start="10:00", schedule_stop="10:00"))
    assert fields == {"schedule_stop": "The stop time must differ from the start time."}


@pytest.mark.parametrize(
    "days", [[], None, ..., "mon", ["mon", "funday"], ["monday"], [1], [None], {"mon": True}]
)
def test_days_must_be_a_non_empty_list_of_mon_to_sun(days: object) -> None:
    fields = refused(payload(schedule_days=days))
    assert set(fields) == {"schedule_days"}


def test_exchange_is_one_of_the_strategy_exchanges() -> None:
    assert parse_schedule(payload(exchange="nfo")).exchange == "NFO"
    assert parse_schedule(payload(exchange="CRYPTO")).exchange == "CRYPTO"
    assert parse_schedule(payload(), default_exchange="MCX").exchange == "MCX"
    for bad in ("NSE_INDEX", "NYSE", "", 7):
        assert set(refused(payload(exchange=bad))) == {"exchange"}


def test_ignore_holidays_must_be_a_json_boolean() -> None:
    assert parse_schedule(payload(ignore_holidays=True)).ignore_holidays is True
    assert set(refused(payload(ignore_holidays="yes"))) == {"ignore_holidays"}
    assert set(refused(payload(ignore_holidays=1))) == {"ignore_holidays"}


def test_every_bad_field_is_named_at_once() -> None:
    fields = refused(
        {"schedule_start": "9:5", "schedule_stop": "24:00", "schedule_days": [], "exchange": "X"}
    )
    assert set(fields) == {"schedule_start", "schedule_stop", "schedule_days", "exchange"}


def test_a_body_that_is_not_an_object_is_refused() -> None:
    for body in (None, [], "09:15", 3):
        with pytest.raises(InvalidInput):
            parse_schedule(body)


def test_the_payload_form_reads_back_to_the_same_schedule() -> None:
    schedule = parse_schedule(payload(schedule_days=["fri", "mon"], exchange="MCX", ignore_holidays=True))
    body = schedule.to_payload()
    assert body == {
        "schedule_start": "09:15",
        "schedule_stop": "15:30",
        "schedule_days": ["mon", "fri"],
        "exchange": "MCX",
        "ignore_holidays": True,
    }
    assert parse_schedule(body) == schedule


def test_an_invalid_schedule_cannot_be_built_directly_either() -> None:
    with pytest.raises(ValueError, match="differ"):
        Schedule(time(9, 15), time(9, 15), frozenset({"mon"}))
    with pytest.raises(ValueError, match="subset"):
        Schedule(time(9, 15), None, frozenset())
    with pytest.raises(ValueError, match="exchange"):
        Schedule(time(9, 15), None, frozenset({"mon"}), exchange="NYSE")


def test_cron_fields_fire_on_listed_days_and_overnight_stops_the_day_after() -> None:
    market = parse_schedule(payload(schedule_days=["fri", "mon"]))
    assert market.cron_start() == {"day_of_week": "mon,fri", "hour": 9, "minute": 15}
    assert market.cron_stop() == {"day_of_week": "mon,fri", "hour": 15, "minute": 30}
    overnight = parse_schedule(
        payload(schedule_start="21:00", schedule_stop="02:00", schedule_days=["fri", "sun"])
    )
    assert overnight.cron_stop() == {"day_of_week": "mon,sat", "hour": 2, "minute": 0}
    assert parse_schedule(payload(schedule_stop=None)).cron_stop() is None
