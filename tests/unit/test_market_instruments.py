"""The shipped instrument file: what it lists, how futures expand, and how bad files are reported."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from services.errors import ConfigurationError, InvalidInput
from services.market.instruments import (
    DEFAULT_INSTRUMENT_FILE,
    InstrumentIndex,
    load_instrument_file,
    monthly_expiries,
)

NIFTY_50 = {
    "ADANIENT",
    "ADANIPORTS",
    "APOLLOHOSP",
    "ASIANPAINT",
    "AXISBANK",
    "BAJAJ-AUTO",
    "BAJFINANCE",
    "BAJAJFINSV",
    "BEL",
    "BHARTIARTL",
    "CIPLA",
    "COALINDIA",
    "DRREDDY",
    "EICHERMOT",
    "ETERNAL",
    "GRASIM",
    "HCLTECH",
    "HDFCBANK",
    "HDFCLIFE",
    "HINDALCO",
    "HINDUNILVR",
    "ICICIBANK",
    "INDIGO",
    "INFY",
    "ITC",
    "JIOFIN",
    "JSWSTEEL",
    "KOTAKBANK",
    "LT",
    "M&M",
    "MARUTI",
    "MAXHEALTH",
    "NESTLEIND",
    "NTPC",
    "ONGC",
    "POWERGRID",
    "RELIANCE",
    "SBILIFE",
    "SBIN",
    "SHRIRAMFIN",
    "SUNPHARMA",
    "TATACONSUM",
    "TATASTEEL",
    "TCS",
    "TECHM",
    "TITAN",
    "TMPV",
    "TRENT",
    "ULTRACEMCO",
    "WIPRO",
}


@pytest.fixture(scope="module")
def index() -> InstrumentIndex:
    return InstrumentIndex(load_instrument_file(DEFAULT_INSTRUMENT_FILE, date(2026, 11, 21)))


def test_the_shipped_file_covers_the_promised_segments(index: InstrumentIndex) -> None:
    assert len(NIFTY_50) == 50
    for exchange in ("NSE", "BSE"):
        listed = {i.symbol for i in index.by_exchange(exchange)}
        assert listed >= NIFTY_50
        assert all(i.tick_size > 0 and i.lotsize == 1 for i in index.by_exchange(exchange))
    assert {"NIFTY", "BANKNIFTY"} <= {i.symbol for i in index.by_exchange("NSE_INDEX")}
    assert {"SENSEX", "BANKEX"} <= {i.symbol for i in index.by_exchange("BSE_INDEX")}
    assert {i.name for i in index.by_exchange("MCX")} >= {"GOLD", "SILVER", "CRUDEOIL"}
    assert index.by_exchange("CRYPTO")


def test_index_futures_expand_into_the_next_three_monthly_contracts(index: InstrumentIndex) -> None:
    nifty = [i for i in index.by_exchange("NFO") if i.name == "NIFTY"]
    assert [i.symbol for i in nifty] == ["NIFTY24NOV26FUT", "NIFTY29DEC26FUT", "NIFTY26JAN27FUT"]
    assert {i.lotsize for i in nifty} == {65}
    assert {i.lotsize for i in index.by_exchange("NFO") if i.name == "BANKNIFTY"} == {30}
    assert nifty[0].expiry_text == "24-NOV-26"
    assert nifty[0].underlying == "NSE_INDEX:NIFTY"
    assert nifty[0].base_price == index.require("NSE_INDEX", "NIFTY").base_price


def test_expiry_rules() -> None:
    # NSE's monthly index expiry: the last Tuesday; a contract expiring today is still listed.
    assert monthly_expiries("last-tuesday", date(2026, 11, 24), 2) == [date(2026, 11, 24), date(2026, 12, 29)]
    assert monthly_expiries("last-tuesday", date(2026, 11, 25), 1) == [date(2026, 12, 29)]
    # day-NN on a weekend moves to the Friday before
    assert monthly_expiries("day-05", date(2026, 12, 1), 1) == [date(2026, 12, 4)]


def test_lookups(index: InstrumentIndex) -> None:
    assert index.get("nse", "RELIANCE") is not None
    with pytest.raises(InvalidInput) as caught:
        index.require("NSE", "NOSUCH")
    assert "symbol" in caught.value.fields
    assert [i.symbol for i in index.search("relian", "NSE")] == ["RELIANCE"]
    assert not index.require("NSE_INDEX", "NIFTY").tradable


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("NSE,ABC,ABC LTD,EQ,0,0.05,100,,,", "lotsize"),
        ("XYZ,ABC,ABC LTD,EQ,1,0.05,100,,,", "unknown exchange"),
        ("NSE,ABC,ABC LTD,EQ,1,0.05,,,,", "base_price or an underlying"),
        ("NFO,ABC,ABC,FUT,50,0.05,,NSE_INDEX:NOPE,last-tuesday,3", "follows unknown"),
        ("NFO,ABC,ABC,FUT,50,0.05,100,,every-full-moon,3", "expiry rule"),
    ],
)
def test_a_broken_file_names_the_line_and_the_problem(tmp_path: Path, line: str, problem: str) -> None:
    header = DEFAULT_INSTRUMENT_FILE.read_text().splitlines()
    columns = next(row for row in header if row.startswith("exchange,"))
    path = tmp_path / "instruments.csv"
    path.write_text(f"# comment\n{columns}\n{line}\n")
    with pytest.raises(ConfigurationError, match=problem):
        load_instrument_file(path, date(2026, 11, 21))


def test_duplicates_are_refused(index: InstrumentIndex) -> None:
    reliance = index.require("NSE", "RELIANCE")
    with pytest.raises(ConfigurationError, match="Duplicate"):
        InstrumentIndex([reliance, reliance])
