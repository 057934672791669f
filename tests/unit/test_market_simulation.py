"""Simulated market data: deterministic, realistic, inside sessions only, and quotes agree with candles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from services.clock import to_ist
from services.errors import InvalidInput
from services.market.types import INTERVALS
from tests.support.sandbox import SandboxWorld, sandbox_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SandboxWorld]:
    w = sandbox_world(tmp_path)
    yield w
    w.close()


def test_prices_are_deterministic_per_symbol_and_time(tmp_path: Path, world: SandboxWorld) -> None:
    (tmp_path / "other").mkdir()
    other = sandbox_world(tmp_path / "other")
    try:
        assert world.market.quote(world.instrument("RELIANCE")) == other.market.quote(
            other.instrument("RELIANCE")
        )
        day = date(2026, 11, 20)
        ours = world.market.history(world.instrument("TCS"), "1m", day, day)
        theirs = other.market.history(other.instrument("TCS"), "1m", day, day)
        assert np.array_equal(ours.close, theirs.close)
    finally:
        other.close()
    assert world.ltp("RELIANCE") != world.ltp("TCS")


@pytest.mark.parametrize("interval", INTERVALS)
def test_the_candle_containing_now_agrees_with_the_quote(world: SandboxWorld, interval: str) -> None:
    for symbol, exchange in [("RELIANCE", "NSE"), ("NIFTY", "NSE_INDEX"), ("BTCUSDT", "CRYPTO")]:
        instrument = world.instrument(symbol, exchange)
        quote = world.market.quote(instrument)
        today = to_ist(world.clock.now()).date()
        candles = world.market.history(instrument, interval, today - timedelta(days=3), today)
        assert candles.close[-1] == quote.ltp
        assert candles.high[-1] >= quote.ltp >= candles.low[-1]
        if interval == "D":
            assert (candles.open[-1], candles.high[-1], candles.low[-1]) == (
                quote.open,
                quote.high,
                quote.low,
            )
            assert candles.volume[-1] == quote.volume


def test_the_quote_moves_within_a_minute_and_the_forming_candle_follows(world: SandboxWorld) -> None:
    instrument = world.instrument("INFY")
    seen = set()
    for _ in range(4):
        world.clock.advance(13)
        quote = world.market.quote(instrument)
        last = world.market.history(instrument, "1m", date(2026, 11, 23), date(2026, 11, 23))
        assert last.close[-1] == quote.ltp
        seen.add(quote.ltp)
    assert len(seen) > 1


def test_candles_exist_only_inside_the_session_on_weekdays(world: SandboxWorld) -> None:
    instrument = world.instrument("SBIN")
    week = world.market.history(instrument, "1m", date(2026, 11, 9), date(2026, 11, 15))  # Mon..Sun
    local = [to_ist(datetime.fromtimestamp(int(ts), UTC)) for ts in week.timestamp]
    assert {moment.weekday() for moment in local} == {0, 1, 2, 3, 4}
    minutes = {moment.hour * 60 + moment.minute for moment in local}
    assert min(minutes) == 9 * 60 + 15
    assert max(minutes) == 15 * 60 + 29
    assert len(week) == 5 * 375
    assert np.all(np.diff(week.timestamp) > 0)


@pytest.mark.parametrize(
    ("interval", "per_day"),
    [("1m", 375), ("3m", 125), ("5m", 75), ("10m", 38), ("15m", 25), ("30m", 13), ("1h", 7), ("D", 1)],
)
def test_row_counts_for_a_known_week(world: SandboxWorld, interval: str, per_day: int) -> None:
    candles = world.market.history(world.instrument("ITC"), interval, date(2026, 11, 9), date(2026, 11, 13))
    assert len(candles) == 5 * per_day
    if interval == "1h":
        first = to_ist(datetime.fromtimestamp(int(candles.timestamp[0]), UTC))
        assert (first.hour, first.minute) == (9, 15)  # hourly buckets start at the open
    if interval == "D":
        # OpenAlgo stamps daily candles with the date at 00:00 UTC
        assert datetime.fromtimestamp(int(candles.timestamp[0]), UTC) == datetime(2026, 11, 9, tzinfo=UTC)


def test_aggregates_agree_with_the_minutes(world: SandboxWorld) -> None:
    instrument = world.instrument("HDFCBANK")
    day = date(2026, 11, 20)
    minutes = world.market.history(instrument, "1m", day, day)
    daily = world.market.history(instrument, "D", day, day)
    hourly = world.market.history(instrument, "1h", day, day)
    assert daily.open[0] == minutes.open[0] and daily.close[0] == minutes.close[-1]
    assert daily.high[0] == minutes.high.max() and daily.low[0] == minutes.low.min()
    assert daily.volume[0] == minutes.volume.sum() == hourly.volume.sum()
    assert np.all(minutes.high >= np.maximum(minutes.open, minutes.close))
    assert np.all(minutes.low <= np.minimum(minutes.open, minutes.close))


def test_a_weekend_quote_is_fridays_close(tmp_path: Path) -> None:
    saturday = sandbox_world(tmp_path, start=datetime(2026, 11, 21, 6, 0, tzinfo=UTC))
    try:
        instrument = saturday.instrument("LT")
        friday = saturday.market.history(instrument, "D", date(2026, 11, 20), date(2026, 11, 22))
        assert len(friday) == 1
        assert saturday.market.quote(instrument).ltp == friday.close[0]
        crypto = saturday.instrument("BTCUSDT", "CRYPTO")
        assert len(saturday.market.history(crypto, "D", date(2026, 11, 20), date(2026, 11, 22))) == 2
    finally:
        saturday.close()


def test_no_candles_after_now(world: SandboxWorld) -> None:
    candles = world.market.history(world.instrument("TITAN"), "1m", date(2026, 11, 23), date(2026, 11, 30))
    assert int(candles.timestamp[-1]) <= world.clock.now().timestamp()
    assert len(candles) == 106  # 09:15 .. 11:00 complete, plus the forming 11:00 minute


def test_volatility_and_levels_are_realistic(world: SandboxWorld) -> None:
    instrument = world.instrument("RELIANCE")
    daily = world.market.history(instrument, "D", date(2016, 1, 1), date(2026, 11, 20))
    returns = np.diff(np.log(daily.close))
    assert 0.008 < returns.std() < 0.035
    assert 0.4 * instrument.base_price < daily.close.min()
    assert daily.close.max() < 2.5 * instrument.base_price
    prices = world.market.history(instrument, "1m", date(2026, 11, 20), date(2026, 11, 20)).close
    assert np.all(np.round(prices / instrument.tick_size, 6) % 1 == 0)  # on the tick grid


def test_a_future_follows_its_index_with_a_carry(world: SandboxWorld) -> None:
    index = world.market.quote(world.instrument("NIFTY", "NSE_INDEX"))
    future = next(i for i in world.master.index.by_exchange("NFO") if i.name == "NIFTY")
    quote = world.market.quote(future)
    assert 1.0 <= quote.ltp / index.ltp < 1.02
    assert quote.oi > 0 and quote.bid < quote.ltp < quote.ask
    assert index.bid == index.ask == 0 and index.volume == 0  # an index has no book


def test_moving_a_price_moves_quote_and_candles_together(world: SandboxWorld) -> None:
    instrument = world.instrument("WIPRO")
    world.market.set_price(instrument, 300.0)
    assert world.ltp("WIPRO") == 300.0
    candles = world.market.history(instrument, "5m", date(2026, 11, 23), date(2026, 11, 23))
    assert candles.close[-1] == 300.0
    world.market.clear_price(instrument)
    assert world.ltp("WIPRO") != 300.0
    with pytest.raises(InvalidInput):
        world.market.set_price(instrument, -1)


def test_a_move_far_off_the_symbols_price_is_refused_and_changes_nothing(world: SandboxWorld) -> None:
    instrument = world.instrument("WIPRO")
    world.market.set_price(instrument, 300.0)
    for price in [1e308, 300.0 * 1000, 300.0 / 1000, float("nan"), float("inf"), 0.0]:
        with pytest.raises(InvalidInput) as caught:
            world.market.set_price(instrument, price)
        assert "price" in caught.value.fields
        assert world.ltp("WIPRO") == 300.0  # the earlier move stands: nothing was touched
    world.market.set_price(instrument, 9000.0)  # 30 times: allowed
    assert world.ltp("WIPRO") == 9000.0


def test_bad_history_requests_are_refused(world: SandboxWorld) -> None:
    instrument = world.instrument("ONGC")
    with pytest.raises(InvalidInput, match="before start_date"):
        world.market.history(instrument, "1m", date(2026, 11, 20), date(2026, 11, 1))
    with pytest.raises(InvalidInput, match="Unknown interval"):
        world.market.history(instrument, "2m", date(2026, 11, 1), date(2026, 11, 20))
    with pytest.raises(InvalidInput, match="more than"):
        world.market.history(instrument, "1m", date(2000, 1, 1), date(2026, 11, 20))
    assert len(world.market.history(instrument, "D", date(1990, 1, 1), date(1999, 12, 31))) == 0


def test_depth_sits_around_the_quote(world: SandboxWorld) -> None:
    depth = world.market.depth(world.instrument("AXISBANK"))
    assert depth.bids[0].price == depth.quote.bid and depth.asks[0].price == depth.quote.ask
    assert [b.price for b in depth.bids] == sorted((b.price for b in depth.bids), reverse=True)
    assert all(level.quantity > 0 for level in depth.bids + depth.asks)
