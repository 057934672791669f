"""The four example strategies: their indicator functions on hand-made series with known answers,
and each ``execute()`` on hand-made candles (a fake SDK client) giving the expected signal."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from custom_strategies import BaseStrategy, Signal
from custom_strategies.examples.ema_crossover import EMACrossover, crossover, ema
from custom_strategies.examples.mean_reversion import (
    ENTER_LONG,
    ENTER_SHORT,
    EXIT,
    HOLD,
    MeanReversion,
    bollinger_bands,
    reversion_action,
    zscore,
)
from custom_strategies.examples.momentum_strategy import (
    MomentumStrategy,
    momentum_side,
    rate_of_change,
    volume_ratio,
)
from custom_strategies.examples.rsi_strategy import RSIStrategy, rsi_zone, wilder_rsi
from custom_strategies.parameters import coerce_parameters
from tests.support.custom import FakeClient, candles

EXAMPLES = (EMACrossover, RSIStrategy, MomentumStrategy, MeanReversion)


def run(
    cls: type[BaseStrategy], frame: pd.DataFrame, **config: Any
) -> tuple[list[Any], list[str], FakeClient]:
    """``execute()`` of ``cls`` on ``frame`` as its history; returns (signals, log lines, client)."""
    lines: list[str] = []
    strategy = cls("key", {"as_of": "2025-06-30", **config}, log=lines.append)
    client = FakeClient(history=frame)
    strategy.client = client
    return strategy.execute(), lines, client


def series(values: list[float] | np.ndarray) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float))


# Metadata ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", EXAMPLES)
def test_each_example_declares_its_name_description_and_parameters(cls: type[BaseStrategy]) -> None:
    assert cls.name and cls.name != cls.__name__
    assert cls.description.endswith(".") and len(cls.description) < 240
    assert {"symbol", "exchange", "interval", "lookback_days", "quantity", "as_of"} <= set(cls.parameters)
    assert (cls.parameters["exchange"], cls.parameters["interval"], cls.parameters["as_of"]) == (
        "NSE",
        "D",
        "",
    )
    assert coerce_parameters(cls.parameters, {}) == cls.parameters


def test_the_ema_example_has_the_documented_defaults() -> None:
    assert (EMACrossover.parameters["fast"], EMACrossover.parameters["slow"]) == (9, 21)
    assert (RSIStrategy.parameters["period"], RSIStrategy.parameters["oversold"]) == (14, 30.0)
    assert RSIStrategy.parameters["overbought"] == 70.0
    assert (MeanReversion.parameters["period"], MeanReversion.parameters["k"]) == (20, 2.0)


# EMA crossover ----------------------------------------------------------------------------------
def test_ema_of_a_constant_is_the_constant() -> None:
    assert ema(series([7.0] * 30), 9).tolist() == [7.0] * 30


def test_ema_weights_the_new_close_by_two_over_span_plus_one() -> None:
    # span 3: weight 0.5 -> 1, (1 + 2) / 2, (1.5 + 3) / 2, (2.25 + 4) / 2
    assert ema(series([1, 2, 3, 4]), 3).tolist() == [1.0, 1.5, 2.25, 3.125]


def test_crossover_is_judged_on_the_last_bar_only() -> None:
    assert crossover(series([1, 2]), series([1.5, 1.5])) == 1
    assert crossover(series([2, 1]), series([1.5, 1.5])) == -1
    assert crossover(series([1, 1.5, 2]), series([1.5, 1.5, 1.5])) == 1  # touched, then above
    assert crossover(series([1, 2, 3]), series([1.5, 1.5, 1.5])) == 0  # crossed a bar earlier
    assert crossover(series([1, 1]), series([1, 1])) == 0
    assert crossover(series([1]), series([0])) == 0


# Thirty closes falling from 120 to 100, then a jump to 140: the fast EMA is 3.71 below the slow
# one before the jump and crosses above on the last candle.
FALLING_THEN_JUMP = [*np.linspace(120, 100, 30), 140.0]


def test_ema_crossover_buys_to_its_quantity_on_a_bullish_cross_on_the_last_candle() -> None:
    fast, slow = ema(series(FALLING_THEN_JUMP), 9), ema(series(FALLING_THEN_JUMP), 21)
    assert fast.iloc[-2] < slow.iloc[-2] and fast.iloc[-1] > slow.iloc[-1]
    signals, lines, client = run(EMACrossover, candles(FALLING_THEN_JUMP), quantity=3)
    assert signals == [Signal("RELIANCE", "BUY", "NSE", 3, position_size=3)]
    assert client.calls == [
        (
            "history",
            {
                "symbol": "RELIANCE",
                "exchange": "NSE",
                "interval": "D",
                "start_date": "2025-03-02",  # 120 days before as_of
                "end_date": "2025-06-30",
            },
        )
    ]
    assert lines[0].startswith("RELIANCE: 31 candles to 2025-02-12, close 140.00; EMA(9) ")
    assert lines[-1] == "RELIANCE: bullish crossover: BUY to a position of 3"


def test_ema_crossover_exits_or_shorts_on_a_bearish_cross() -> None:
    flat_then_dip = candles([100.0] * 30 + [99.0])
    signals, lines, _ = run(EMACrossover, flat_then_dip, symbol="SBIN", exchange="BSE", quantity=2)
    assert signals == [Signal("SBIN", "SELL", "BSE", 0, position_size=0)]
    assert lines[-1] == "SBIN: bearish crossover: SELL to a position of 0"
    signals, _, _ = run(EMACrossover, flat_then_dip, quantity=2, short_on_bearish=True)
    assert signals == [Signal("RELIANCE", "SELL", "NSE", 2, position_size=-2)]


def test_ema_crossover_gives_no_signal_without_a_cross_on_the_last_candle() -> None:
    signals, lines, _ = run(EMACrossover, candles(np.linspace(100, 130, 40)))
    assert signals == []
    assert lines[-1] == "RELIANCE: no crossover on the last candle (fast stays above slow); no signal"


def test_ema_crossover_with_too_little_history_logs_and_gives_no_signal() -> None:
    signals, lines, _ = run(EMACrossover, candles([100.0] * 21), lookback_days=20)
    assert signals == []
    assert lines == [
        "RELIANCE: 21 candles from 2025-06-10 to 2025-06-30, 22 needed for EMA(21) and a cross; no signal"
    ]
    signals, lines, _ = run(EMACrossover, candles([]))
    assert signals == [] and lines[0].startswith("RELIANCE: 0 candles from 2025-03-02 to 2025-06-30")


def test_ema_crossover_refuses_a_fast_period_not_shorter_than_the_slow_one() -> None:
    with pytest.raises(ValueError, match=r"fast \(21\) must be positive and shorter than slow \(9\)"):
        run(EMACrossover, candles([100.0] * 40), fast=21, slow=9)


# RSI --------------------------------------------------------------------------------------------
# The RSI worksheet of StockCharts' ChartSchool ("Relative Strength Index (RSI)"): 33 closes and
# the 14-period Wilder RSI it lists from the 15th close on.
WORKSHEET_CLOSES = [
    44.3389, 44.0902, 44.1497, 43.6124, 44.3278, 44.8264, 45.0955, 45.4245, 45.8433, 46.0826, 45.8931,
    46.0328, 45.6140, 46.2820, 46.2820, 46.0028, 46.0328, 46.4116, 46.2222, 45.6439, 46.2122, 46.2521,
    45.7137, 46.4515, 45.7835, 45.3548, 44.0288, 44.1783, 44.2181, 44.5672, 43.4205, 42.6628, 43.1314,
]  # fmt: skip
WORKSHEET_RSI = [
    70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26, 56.06, 62.38, 54.71, 50.42, 39.99, 41.46,
    41.87, 45.46, 37.30, 33.08, 37.77,
]  # fmt: skip


def test_wilder_rsi_matches_the_published_worksheet() -> None:
    rsi = wilder_rsi(series(WORKSHEET_CLOSES), 14)
    assert rsi.iloc[:14].isna().all()
    assert rsi.iloc[14:].round(2).tolist() == WORKSHEET_RSI


def test_wilder_rsi_by_hand_on_period_two() -> None:
    # changes +1, -1, +1: first averages 0.5 / 0.5 -> 50; then gain (0.5 + 1) / 2 = 0.75,
    # loss (0.5 + 0) / 2 = 0.25 -> RS 3 -> 100 - 100 / 4 = 75.
    rsi = wilder_rsi(series([1, 2, 1, 2]), 2)
    assert math.isnan(rsi.iloc[0]) and math.isnan(rsi.iloc[1])
    assert rsi.iloc[2:].tolist() == [50.0, 75.0]


def test_wilder_rsi_of_monotonic_and_constant_series() -> None:
    assert wilder_rsi(series(range(1, 31)), 14).iloc[14:].tolist() == [100.0] * 16
    assert wilder_rsi(series(range(30, 0, -1)), 14).iloc[14:].tolist() == [0.0] * 16
    assert wilder_rsi(series([5.0] * 20), 14).iloc[14:].tolist() == [50.0] * 6
    assert wilder_rsi(series([1.0] * 14), 14).isna().all()  # 14 closes hold only 13 changes
    with pytest.raises(ValueError, match="period must be at least 1"):
        wilder_rsi(series([1, 2]), 0)


def test_wilder_rsi_keeps_the_index() -> None:
    frame = candles(WORKSHEET_CLOSES)
    assert wilder_rsi(frame["close"], 14).index.equals(frame.index)


def test_rsi_zone_boundaries_belong_to_the_zones() -> None:
    assert [rsi_zone(v, 30, 70) for v in (0, 30, 30.01, 50, 69.99, 70, 100)] == [1, 1, 0, 0, 0, -1, -1]


def test_rsi_strategy_buys_when_oversold_and_exits_or_shorts_when_overbought() -> None:
    signals, lines, _ = run(RSIStrategy, candles(np.linspace(130, 100, 40)), quantity=4)
    assert signals == [Signal("RELIANCE", "BUY", "NSE", 4, position_size=4)]
    assert lines[0].endswith("RSI(14) 0.00 (oversold 30, overbought 70)")
    assert lines[-1] == "RELIANCE: oversold: BUY to a position of 4"

    rising = candles(np.linspace(100, 130, 40))
    signals, lines, _ = run(RSIStrategy, rising, quantity=4)
    assert signals == [Signal("RELIANCE", "SELL", "NSE", 0, position_size=0)]
    assert lines[-1] == "RELIANCE: overbought: SELL to a position of 0"
    signals, _, _ = run(RSIStrategy, rising, quantity=4, short_on_overbought=True)
    assert signals == [Signal("RELIANCE", "SELL", "NSE", 4, position_size=-4)]


def test_rsi_strategy_between_the_levels_and_on_the_worksheet() -> None:
    signals, lines, _ = run(RSIStrategy, candles(WORKSHEET_CLOSES))
    assert signals == []
    assert lines[0].endswith("close 43.13; RSI(14) 37.77 (oversold 30, overbought 70)")
    # The same worksheet with an oversold level of 40: 37.77 is now oversold.
    signals, _, _ = run(RSIStrategy, candles(WORKSHEET_CLOSES), oversold=40.0)
    assert signals == [Signal("RELIANCE", "BUY", "NSE", 1, position_size=1)]


def test_rsi_strategy_with_too_little_history_and_wrong_levels() -> None:
    signals, lines, _ = run(RSIStrategy, candles([100.0] * 14))
    assert signals == []
    assert lines == ["RELIANCE: 14 candles from 2025-03-02 to 2025-06-30, 15 needed for RSI(14); no signal"]
    with pytest.raises(ValueError, match=r"need 0 <= oversold \(80.0\) < overbought \(70.0\) <= 100"):
        run(RSIStrategy, candles([100.0] * 40), oversold=80.0)


# Momentum ---------------------------------------------------------------------------------------
def test_rate_of_change_in_percent() -> None:
    closes = series([100, 110, 121, 108.9])
    assert rate_of_change(closes, 1).round(10).tolist()[1:] == [10.0, 10.0, -10.0]
    two = rate_of_change(closes, 2)
    assert two.isna().tolist() == [True, True, False, False]
    assert two.iloc[2:].round(10).tolist() == [21.0, -1.0]
    with pytest.raises(ValueError, match="period must be at least 1"):
        rate_of_change(closes, 0)


def test_volume_ratio_compares_with_the_bars_before() -> None:
    ratio = volume_ratio(series([10, 20, 30, 40, 10]), 3)
    assert ratio.isna().tolist() == [True, True, True, False, False]
    assert ratio.iloc[3:].tolist() == [2.0, 10 / 30]  # 40 / mean(10, 20, 30); 10 / mean(20, 30, 40)
    with pytest.raises(ValueError, match="period must be at least 1"):
        volume_ratio(series([1]), 0)


def test_momentum_side_thresholds_are_strict() -> None:
    assert [momentum_side(v, 5, -5) for v in (-6, -5, 0, 5, 5.01)] == [-1, 0, 0, 0, 1]


# 25 closes at 100, then a rise to 108 over the last five: ROC(20) of the last close is +8 %.
RISING = [100.0] * 25 + [101.0, 103.0, 104.0, 106.0, 108.0]


def test_momentum_buys_above_its_threshold() -> None:
    signals, lines, _ = run(MomentumStrategy, candles(RISING), quantity=10)
    assert signals == [Signal("RELIANCE", "BUY", "NSE", 10, position_size=10)]
    assert lines == [
        "RELIANCE: 30 candles to 2025-02-11, close 108.00; ROC(20) +8.00% (buy above +5%, sell below -5%)",
        "RELIANCE: upward momentum: BUY to a position of 10",
    ]


def test_momentum_sells_below_its_threshold_and_holds_in_between() -> None:
    falling = [200 - value for value in RISING]  # 100 -> 92: -8 %
    assert run(MomentumStrategy, candles(falling))[0] == [
        Signal("RELIANCE", "SELL", "NSE", 0, position_size=0)
    ]
    signals, _, _ = run(MomentumStrategy, candles(falling), short_on_sell=True, quantity=2)
    assert signals == [Signal("RELIANCE", "SELL", "NSE", 2, position_size=-2)]
    signals, lines, _ = run(MomentumStrategy, candles(RISING), buy_above=9.0)
    assert signals == []
    assert lines[-1] == "RELIANCE: no momentum beyond the thresholds; no signal"


def test_momentum_volume_filter_confirms_or_refuses() -> None:
    quiet = candles(RISING, volumes=[1000.0] * 29 + [900.0])
    signals, lines, _ = run(MomentumStrategy, quiet, volume_filter=True, volume_factor=1.5)
    assert signals == []
    assert lines[-2:] == [
        "RELIANCE: volume 0.900x its 20-candle average (needs 1.5x)",
        "RELIANCE: volume too low to confirm; no signal",
    ]
    busy = candles(RISING, volumes=[1000.0] * 29 + [2000.0])
    signals, lines, _ = run(MomentumStrategy, busy, volume_filter=True, volume_factor=1.5)
    assert signals == [Signal("RELIANCE", "BUY", "NSE", 1, position_size=1)]
    assert "volume 2.000x its 20-candle average (needs 1.5x)" in lines[1]
    # Without the filter the quiet day buys as well.
    assert run(MomentumStrategy, quiet)[0] == [Signal("RELIANCE", "BUY", "NSE", 1, position_size=1)]


def test_momentum_with_too_little_history_or_crossed_thresholds() -> None:
    signals, lines, _ = run(MomentumStrategy, candles([100.0] * 20))
    assert signals == []
    assert lines == ["RELIANCE: 20 candles from 2025-03-02 to 2025-06-30, 21 needed; no signal"]
    # The volume window counts too when the filter is on.
    signals, lines, _ = run(MomentumStrategy, candles([100.0] * 25), volume_filter=True, volume_period=30)
    assert signals == [] and "31 needed" in lines[0]
    with pytest.raises(ValueError, match=r"sell_below \(6.0\) must not be above buy_above \(5.0\)"):
        run(MomentumStrategy, candles(RISING), sell_below=6.0)


# Mean reversion ---------------------------------------------------------------------------------
def test_bollinger_bands_by_hand() -> None:
    # period 2 on 1, 3: mean 2, population deviation 1 -> bands 0 and 4 with k = 2.
    bands = bollinger_bands(series([1, 3]), 2, 2.0)
    assert bands.iloc[-1].to_dict() == {"middle": 2.0, "upper": 4.0, "lower": 0.0}
    assert bands.iloc[0].isna().all()
    flat = bollinger_bands(series([5.0] * 20), 20, 2.0).iloc[-1]
    assert flat.to_dict() == {"middle": 5.0, "upper": 5.0, "lower": 5.0}


def test_zscore_by_hand() -> None:
    # The last window 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population deviation 2; 9 is +2 deviations.
    scores = zscore(series([100, 2, 4, 4, 4, 5, 5, 7, 9]), 8)
    assert scores.iloc[-1] == pytest.approx(2.0)
    assert scores.iloc[:7].isna().all()
    assert zscore(series([3.0] * 25), 20).isna().all()  # a window that never moves has no z-score
    with pytest.raises(ValueError, match="period must be at least 2"):
        zscore(series([1, 2]), 1)
    with pytest.raises(ValueError, match="period must be at least 2"):
        bollinger_bands(series([1, 2]), 1)


def test_reversion_action_cases() -> None:
    assert reversion_action(-1.0, -2.0, 2.0) == ENTER_LONG  # at the lower band
    assert reversion_action(1.0, 2.5, 2.0) == ENTER_SHORT
    assert reversion_action(-2.5, 2.1, 2.0) == ENTER_SHORT  # from one band past the other
    assert reversion_action(-0.5, 0.0, 2.0) == EXIT  # reached the mean from below
    assert reversion_action(0.5, -0.1, 2.0) == EXIT
    assert reversion_action(-1.5, -0.5, 2.0) == HOLD
    assert reversion_action(0.0, 0.5, 2.0) == HOLD  # left the mean: nothing to exit


# 20 closes alternating 99 / 101 (mean 100, deviation 1: the last, 101, is z = +1), then one more
# close: the window of the last 20 decides. With 95: mean (10 x 101 + 9 x 99 + 95) / 20 = 99.8,
# deviation sqrt((10 x 1.2^2 + 9 x 0.8^2 + 4.8^2) / 20) = 1.470, bands 99.8 -/+ 2.94, z -4.8 / 1.47.
def around_100(last: float) -> pd.DataFrame:
    return candles([99.0, 101.0] * 10 + [last])


def test_mean_reversion_buys_below_the_lower_band() -> None:
    signals, lines, _ = run(MeanReversion, around_100(95.0), quantity=5)
    assert signals == [Signal("RELIANCE", "BUY", "NSE", 5, position_size=5)]
    assert lines[0] == (
        "RELIANCE: 21 candles to 2025-01-29, close 95.00; SMA(20) 99.80, "
        "bands 96.86 / 102.74; z +1.00 -> -3.27"
    )
    assert lines[-1] == "RELIANCE: close below the lower band: BUY to a position of 5"


def test_mean_reversion_sells_above_the_upper_band() -> None:
    assert run(MeanReversion, around_100(106.0))[0] == [Signal("RELIANCE", "SELL", "NSE", 0, position_size=0)]
    signals, _, _ = run(MeanReversion, around_100(106.0), short_above_band=True, quantity=5)
    assert signals == [Signal("RELIANCE", "SELL", "NSE", 5, position_size=-5)]


def test_mean_reversion_exits_when_the_close_crosses_the_mean() -> None:
    # Ends ... 99, 101: the 101 before is above its mean, a last 99 crosses below it.
    from_above = candles([100.0, 98.0, 102.0] * 7 + [99.0])
    z = zscore(from_above["close"], 20)
    assert z.iloc[-2] > 0 > z.iloc[-1]
    signals, lines, _ = run(MeanReversion, from_above)
    assert signals == [Signal("RELIANCE", "BUY", "NSE", 0, position_size=0)]
    assert lines[-1] == "RELIANCE: the close crossed its mean: exit to a position of 0"
    from_below = candles([100.0, 102.0, 98.0] * 7 + [101.0])
    signals, _, _ = run(MeanReversion, from_below)
    assert signals == [Signal("RELIANCE", "SELL", "NSE", 0, position_size=0)]


def test_mean_reversion_holds_inside_the_bands_and_on_a_flat_window() -> None:
    signals, lines, _ = run(MeanReversion, around_100(100.5))  # z +1.00 -> +0.43
    assert signals == []
    assert lines[-1] == "RELIANCE: inside the bands, mean not crossed; no signal"
    signals, lines, _ = run(MeanReversion, candles([100.0] * 30))
    assert signals == []
    assert lines[-1] == "RELIANCE: the close did not move over the window; no signal"


def test_mean_reversion_with_too_little_history_or_a_wrong_k() -> None:
    signals, lines, _ = run(MeanReversion, candles([100.0] * 20))
    assert signals == []
    assert lines == [
        "RELIANCE: 20 candles from 2025-04-01 to 2025-06-30, 21 needed for SMA(20) on two candles; no signal"
    ]
    with pytest.raises(ValueError, match=r"k must be positive, got 0\.0"):
        run(MeanReversion, around_100(95.0), k=0.0)


@pytest.mark.parametrize("cls", EXAMPLES)
def test_every_example_reads_a_minute_interval_when_asked(cls: type[BaseStrategy]) -> None:
    _, _, client = run(cls, candles([100.0] * 5), interval="5m", symbol="NIFTY", exchange="NSE_INDEX")
    (method, call), *_ = client.calls
    assert method == "history"
    assert (call["symbol"], call["exchange"], call["interval"]) == ("NIFTY", "NSE_INDEX", "5m")
