"""The example strategies and BaseStrategy's helpers against a real host (``python app.py``, sandbox).

The sandbox's simulated prices are a pure function of (symbol, day), so the candles of a fixed past
range are the same on every machine and at every hour: each example is run "as of" a fixed 2025
date and the exact signal it gives is asserted, with the indicator values that explain it (read
once from these logs, and checked against the definitions in the comments).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from custom_strategies import BaseStrategy, Signal, StrategyDataError, history_window
from custom_strategies.examples.ema_crossover import EMACrossover, ema
from custom_strategies.examples.mean_reversion import MeanReversion
from custom_strategies.examples.momentum_strategy import MomentumStrategy
from custom_strategies.examples.rsi_strategy import RSIStrategy
from tests.support.sdk import LiveHost, start_live_host


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    host = start_live_host(tmp_path_factory.mktemp("custom-examples") / "data")
    yield host
    host.stop()


def run(live: LiveHost, cls: type[BaseStrategy], **config: Any) -> tuple[list[Any], list[str]]:
    """``cls`` as the host would run it: its API key, the host's URL, ``config`` over the defaults."""
    lines: list[str] = []
    strategy = cls(live.api_key, config, host=live.url, log=lines.append)
    return strategy.execute(), lines


BUY_ONE = Signal("RELIANCE", "BUY", "NSE", 1, position_size=1)
EXIT = Signal("RELIANCE", "SELL", "NSE", 0, position_size=0)


# EMA crossover (RELIANCE, NSE, daily, EMA 9 / 21 over the 120 days before as_of) -------------------
def test_ema_crossover_buys_on_the_bullish_cross_of_2025_06_24(live: LiveHost) -> None:
    # On 2025-06-23 EMA(9) 869.85 is still below EMA(21) 870.00; the 913.60 close of 2025-06-24
    # lifts EMA(9) to 878.60, above EMA(21) at 873.96: a bullish cross on the last candle.
    signals, lines = run(live, EMACrossover, as_of="2025-06-24")
    assert signals == [BUY_ONE]
    assert lines == [
        "RELIANCE: 87 candles to 2025-06-24, close 913.60; EMA(9) 869.85 -> 878.60, EMA(21) 870.00 -> 873.96",
        "RELIANCE: bullish crossover: BUY to a position of 1",
    ]
    # The day before: no cross yet.
    signals, lines = run(live, EMACrossover, as_of="2025-06-23")
    assert signals == []
    assert lines[-1] == "RELIANCE: no crossover on the last candle (fast stays below slow); no signal"


def test_ema_crossover_exits_on_the_bearish_cross_of_2025_08_05(live: LiveHost) -> None:
    # The 908.90 close of 2025-08-05 takes EMA(9) from 928.79 (above EMA(21) 927.11) to 924.81,
    # below EMA(21) at 925.45.
    signals, lines = run(live, EMACrossover, as_of="2025-08-05")
    assert signals == [EXIT]
    assert lines[0].endswith("close 908.90; EMA(9) 928.79 -> 924.81, EMA(21) 927.11 -> 925.45")
    signals, _ = run(live, EMACrossover, as_of="2025-08-05", short_on_bearish=True, quantity=5)
    assert signals == [Signal("RELIANCE", "SELL", "NSE", 5, position_size=-5)]


def test_ema_crossover_agrees_with_the_ema_of_the_candles_it_read(live: LiveHost) -> None:
    start, end = history_window(120, "2025-06-24")
    frame = live.client().history(
        symbol="RELIANCE", exchange="NSE", interval="D", start_date=start, end_date=end
    )
    fast, slow = ema(frame["close"], 9), ema(frame["close"], 21)
    assert (round(fast.iloc[-1], 2), round(slow.iloc[-1], 2)) == (878.60, 873.96)
    assert fast.iloc[-2] < slow.iloc[-2]


# RSI (Wilder, 14, oversold 30 / overbought 70, 120 days) --------------------------------------------
def test_rsi_buys_when_oversold_on_2025_01_28(live: LiveHost) -> None:
    # A 4.4 % fall to 1540.60 on 2025-01-28 takes RSI(14) from 33.88 to 27.63, below 30.
    signals, lines = run(live, RSIStrategy, as_of="2025-01-28")
    assert signals == [BUY_ONE]
    assert lines == [
        "RELIANCE: 87 candles to 2025-01-28, close 1540.60; RSI(14) 27.63 (oversold 30, overbought 70)",
        "RELIANCE: oversold: BUY to a position of 1",
    ]
    signals, lines = run(live, RSIStrategy, as_of="2025-01-27")
    assert signals == []
    assert "RSI(14) 33.88" in lines[0]


def test_rsi_exits_when_overbought_on_2025_08_22(live: LiveHost) -> None:
    # The first as_of day of 2025 with RSI(14) at or above 70: 71.45 at 1070.50.
    signals, lines = run(live, RSIStrategy, as_of="2025-08-22")
    assert signals == [EXIT]
    assert lines[0].endswith("close 1070.50; RSI(14) 71.45 (oversold 30, overbought 70)")


# Momentum (ROC 20, +/-5 %, 120 days) ---------------------------------------------------------------
def test_momentum_buys_on_2025_06_23_and_sells_on_2025_01_01(live: LiveHost) -> None:
    # 894.60 on 2025-06-23 is 6.17 % above the close 20 candles earlier (> +5 %).
    signals, lines = run(live, MomentumStrategy, as_of="2025-06-23")
    assert signals == [BUY_ONE]
    assert lines[0].endswith("close 894.60; ROC(20) +6.17% (buy above +5%, sell below -5%)")
    # 1740.00 on 2025-01-01 is 9.36 % below (< -5 %): exit to flat.
    signals, lines = run(live, MomentumStrategy, as_of="2025-01-01")
    assert signals == [EXIT]
    assert "ROC(20) -9.36%" in lines[0]


def test_momentum_volume_filter_waits_for_above_average_volume(live: LiveHost) -> None:
    # ROC is +13.75 % on 2025-06-25 but the day's volume is just under its 20-candle average; on
    # 2025-06-26 (ROC +12.50 %) it is 1.06 times the average: confirmed.
    signals, lines = run(live, MomentumStrategy, as_of="2025-06-25", volume_filter=True)
    assert signals == []
    assert lines[1:] == [
        "RELIANCE: volume 0.998x its 20-candle average (needs 1x)",
        "RELIANCE: volume too low to confirm; no signal",
    ]
    signals, lines = run(live, MomentumStrategy, as_of="2025-06-26", volume_filter=True)
    assert signals == [BUY_ONE]
    assert lines[1] == "RELIANCE: volume 1.057x its 20-candle average (needs 1x)"


# Mean reversion (SMA 20, k = 2, 90 days) -----------------------------------------------------------
def test_mean_reversion_buys_below_the_band_then_exits_at_the_mean(live: LiveHost) -> None:
    # 2025-01-02: 1661.10 is under the lower band 1677.16 (SMA 1752.62), z -2.43 <= -2: buy.
    signals, lines = run(live, MeanReversion, as_of="2025-01-02")
    assert signals == [BUY_ONE]
    assert lines[0] == (
        "RELIANCE: 65 candles to 2025-01-02, close 1661.10; SMA(20) 1752.62, "
        "bands 1677.16 / 1828.09; z -0.58 -> -2.43"
    )
    # 2025-01-16: back inside the bands, still under the mean (z -0.08): hold.
    assert run(live, MeanReversion, as_of="2025-01-16")[0] == []
    # 2025-01-17: 1713.00 crosses above the SMA 1711.33 (z -0.08 -> +0.04): exit to flat.
    signals, lines = run(live, MeanReversion, as_of="2025-01-17")
    assert signals == [EXIT]
    assert lines[-1] == "RELIANCE: the close crossed its mean: exit to a position of 0"


# Every example: a weekend holds no candles ----------------------------------------------------------
@pytest.mark.parametrize("cls", [EMACrossover, RSIStrategy, MomentumStrategy, MeanReversion])
def test_too_little_history_is_a_logged_no_signal(live: LiveHost, cls: type[BaseStrategy]) -> None:
    signals, lines = run(live, cls, as_of="2025-06-29", lookback_days=1)  # Saturday and Sunday
    assert signals == []
    assert lines[0].startswith("RELIANCE: 0 candles from 2025-06-28 to 2025-06-29,")
    assert lines[0].endswith("no signal")


# The helpers over /api/v1 -------------------------------------------------------------------------
class Probe(BaseStrategy):
    def execute(self) -> list[str | dict[str, Any] | Signal]:
        return []


def test_helpers_read_the_hosts_api(live: LiveHost) -> None:
    probe = Probe(live.api_key, host=live.url)
    quote = probe.get_quotes("SBIN", "NSE")
    assert quote["bid"] < quote["ltp"] < quote["ask"]
    depth = probe.get_depth("SBIN", "NSE")
    assert len(depth["bids"]) == len(depth["asks"]) == 5
    history = probe.get_history("SBIN", "NSE", "D", "2025-06-02", "2025-06-06")
    assert isinstance(history, pd.DataFrame)
    assert [day.date().isoformat() for day in history.index] == [f"2025-06-0{d}" for d in range(2, 7)]
    assert set(probe.get_funds()) >= {"availablecash", "m2mrealized"}
    assert isinstance(probe.get_positions(), list)
    assert set(probe.get_orderbook()) == {"orders", "statistics"}
    found = probe.search_symbols("RELIANCE", "NSE")
    assert "RELIANCE" in [item["symbol"] for item in found]
    assert all(item["exchange"] == "NSE" for item in found)


def test_helpers_raise_the_apis_error(live: LiveHost) -> None:
    probe = Probe(live.api_key, host=live.url)
    with pytest.raises(StrategyDataError) as unknown:
        probe.get_quotes("NOSUCHSYMBOL", "NSE")
    assert (unknown.value.code, unknown.value.message) == (400, "Unknown symbol 'NOSUCHSYMBOL' on NSE.")
    with pytest.raises(StrategyDataError) as refused:
        Probe("not-a-key", host=live.url).get_funds()
    assert (refused.value.code, refused.value.message) == (403, "Invalid openalgo apikey")
    with pytest.raises(StrategyDataError) as bad_range:
        probe.get_history("SBIN", "NSE", "D", "2025-06-06", "2025-06-02")
    assert bad_range.value.code == 400


def test_the_host_comes_from_openalgo_host(live: LiveHost, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENALGO_HOST", live.url)
    assert Probe(live.api_key).get_quotes("TCS", "NSE")["ltp"] > 0
