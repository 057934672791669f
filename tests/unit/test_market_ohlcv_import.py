"""Imported OHLCV: a CSV for a symbol replaces its simulated prices in quotes and history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from services.clock import IST
from services.errors import InvalidInput
from services.market.ohlcv_store import read_ohlcv_csv
from tests.support.sandbox import SandboxWorld, sandbox_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SandboxWorld]:
    w = sandbox_world(tmp_path)  # Monday 2026-11-23 11:00:30 IST
    yield w
    w.close()


def _minutes_csv(path: Path, days: list[date], minutes: int) -> list[list[float]]:
    rows = []
    price = 100.0
    for day in days:
        start = datetime(day.year, day.month, day.day, 9, 15)
        for i in range(minutes):
            o = price
            c = round(o + (0.5 if i % 3 else -0.3), 2)
            rows.append(
                [
                    (start + timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M:%S"),
                    o,
                    max(o, c) + 0.2,
                    min(o, c) - 0.2,
                    c,
                    1000 + i,
                ]
            )
            price = c
    path.write_text("datetime,open,high,low,close,volume\n" + "\n".join(",".join(map(str, r)) for r in rows))
    return rows  # type: ignore[return-value]


def test_imported_minutes_are_served_instead_of_the_simulation(world: SandboxWorld, tmp_path: Path) -> None:
    csv = tmp_path / "reliance.csv"
    rows = _minutes_csv(csv, [date(2026, 11, 20), date(2026, 11, 23)], 150)  # to 11:44 on Monday
    result = world.store.import_csv("NSE", "RELIANCE", csv)
    assert (result.interval, result.rows) == ("1m", 300)
    instrument = world.instrument("RELIANCE")

    friday = world.market.history(instrument, "1m", date(2026, 11, 20), date(2026, 11, 20))
    assert list(friday.close) == [row[4] for row in rows[:150]]
    first = datetime.fromtimestamp(int(friday.timestamp[0]), IST)
    assert (first.hour, first.minute) == (9, 15)

    # Now is 11:00:30 on Monday: candles after now are not served, the 11:00 candle is the last.
    monday = world.market.history(instrument, "1m", date(2026, 11, 23), date(2026, 11, 23))
    assert len(monday) == 106
    quote = world.market.quote(instrument)
    assert quote.ltp == monday.close[-1] == rows[150 + 105][4]
    assert quote.prev_close == rows[149][4]
    assert quote.open == rows[150][1]
    assert quote.volume == int(monday.volume.sum())

    five = world.market.history(instrument, "5m", date(2026, 11, 20), date(2026, 11, 20))
    assert len(five) == 30 and five.volume.sum() == friday.volume.sum()
    daily = world.market.history(instrument, "D", date(2026, 11, 20), date(2026, 11, 23))
    assert list(daily.close) == [rows[149][4], rows[255][4]]

    world.move("RELIANCE", 500.0)
    assert world.ltp("RELIANCE") == 500.0
    assert world.market.history(instrument, "1m", date(2026, 11, 23), date(2026, 11, 23)).close[-1] == 500.0
    assert world.ltp("TCS") != 0  # other symbols stay simulated


def test_a_daily_file_serves_daily_history_only(world: SandboxWorld, tmp_path: Path) -> None:
    csv = tmp_path / "tcs.csv"
    csv.write_text(
        "Date,Open,High,Low,Close,Volume\n"
        "2026-11-18,3000,3050,2990,3040,100\n"
        "2026-11-19,3040,3060,3000,3010,100\n"
        "2026-11-20,3010,3020,2950,2960,100\n"
    )
    assert world.store.import_csv("NSE", "TCS", csv).interval == "D"
    instrument = world.instrument("TCS")
    daily = world.market.history(instrument, "D", date(2026, 11, 1), date(2026, 11, 30))
    assert list(daily.close) == [3040, 3010, 2960]
    assert len(world.market.history(instrument, "1m", date(2026, 11, 1), date(2026, 11, 30))) == 0
    quote = world.market.quote(instrument)
    assert (quote.ltp, quote.prev_close, quote.high) == (2960, 3010, 3020)


def test_a_new_import_replaces_the_previous_one(world: SandboxWorld, tmp_path: Path) -> None:
    csv = tmp_path / "x.csv"
    csv.write_text("timestamp,open,high,low,close,volume\n1763610300,10,11,9,10.5,5\n")
    world.store.import_csv("NSE", "ITC", csv)
    csv.write_text(
        "timestamp,open,high,low,close,volume\n1763610360,20,21,19,20.5,5\n1763610420,20,21,19,20,5\n"
    )
    assert world.store.import_csv("NSE", "ITC", csv).rows == 2
    candles = world.store.load("NSE", "ITC", "1m", 0, 2**40)
    assert np.array_equal(candles.close, [20.5, 20.0])


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("time,open,high,low\n1,1,1,1\n", "missing column"),
        ("timestamp,open,high,low,close,volume\n", "no rows"),
        ("timestamp,open,high,low,close,volume\n1763610300,10,9,8,10,5\n", "low <= open"),
        ("timestamp,open,high,low,close,volume\n1763610300,10,11,9,10,-5\n", "negative"),
        ("timestamp,open,high,low,close,volume\n1763610330,10,11,9,10,5\n", "whole minutes"),
        (
            "timestamp,open,high,low,close,volume\n1763610300,10,11,9,10,5\n1763610300,10,11,9,10,5\n",
            "duplicate",
        ),
        ("timestamp,open,high,low,close,volume\nyesterday,10,11,9,10,5\n", "unreadable"),
        ("timestamp,open,high,low,close,volume\n1763610300,,11,9,10,5\n", "empty values"),
    ],
)
def test_bad_files_are_refused_with_the_reason(tmp_path: Path, content: str, problem: str) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text(content)
    with pytest.raises(InvalidInput, match=problem):
        read_ohlcv_csv(csv)
