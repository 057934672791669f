"""Mean reversion: fade a close that strays ``k`` standard deviations from its moving average.

z = (close - SMA(period)) / standard deviation(period), the deviation of the same window
(population, as Bollinger Bands use). The bands are SMA +/- k x deviation. A close below the lower
band (z <= -k) buys; above the upper band (z >= +k) it sells to flat (or short). When the close
crosses the mean (z changes sign on the last candle) the position is closed: exit at the mean.
Signals are smart orders (``position_size``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from custom_strategies.base_strategy import BaseStrategy, Signal, SignalLike, history_window

ENTER_LONG, ENTER_SHORT, EXIT, HOLD = "enter long", "enter short", "exit at the mean", "hold"


def bollinger_bands(close: pd.Series, period: int = 20, k: float = 2.0) -> pd.DataFrame:
    """Columns ``middle`` (SMA), ``upper`` and ``lower`` (middle +/- k population deviations)."""
    if period < 2:
        raise ValueError(f"period must be at least 2, got {period}")
    values = close.astype(float)
    middle = values.rolling(period).mean()
    spread = values.rolling(period).std(ddof=0)
    return pd.DataFrame({"middle": middle, "upper": middle + k * spread, "lower": middle - k * spread})


def zscore(close: pd.Series, period: int = 20) -> pd.Series:
    """How many deviations each close is from its ``period`` SMA (NaN while the window fills, or
    when the window does not move at all)."""
    if period < 2:
        raise ValueError(f"period must be at least 2, got {period}")
    values = close.astype(float)
    spread = values.rolling(period).std(ddof=0)
    return (values - values.rolling(period).mean()) / spread.replace(0.0, np.nan)


def reversion_action(previous_z: float, z: float, k: float) -> str:
    """What the last two z-scores ask for: ENTER_LONG, ENTER_SHORT, EXIT or HOLD.

    Beyond a band wins over crossing the mean (a jump from one band past the other enters).
    """
    if z <= -k:
        return ENTER_LONG
    if z >= k:
        return ENTER_SHORT
    if (previous_z < 0 <= z) or (previous_z > 0 >= z):
        return EXIT
    return HOLD


class MeanReversion(BaseStrategy):
    """Bollinger Bands on daily candles: buy below the lower band, sell above the upper, exit at the mean."""

    name: ClassVar[str] = "Mean Reversion (Bollinger)"
    description: ClassVar[str] = (
        "Buys when the close falls k standard deviations below its 20-candle average, sells to "
        "flat (or short) when it rises k above, and closes the position when the close crosses the average."
    )
    parameters: ClassVar[dict[str, Any]] = {
        "symbol": "RELIANCE",
        "exchange": "NSE",
        "interval": "D",
        "period": 20,
        "k": 2.0,
        "lookback_days": 90,
        "quantity": 1,
        "short_above_band": False,
        "as_of": "",
    }

    def execute(self) -> list[SignalLike]:
        symbol, exchange = str(self.config["symbol"]), str(self.config["exchange"])
        period, quantity = int(self.config["period"]), int(self.config["quantity"])
        k = float(self.config["k"])
        if k <= 0:
            raise ValueError(f"k must be positive, got {k}")
        start, end = history_window(int(self.config["lookback_days"]), str(self.config["as_of"]))
        candles = self.get_history(symbol, exchange, str(self.config["interval"]), start, end)
        needed = period + 1
        if len(candles) < needed:
            self.log(
                f"{symbol}: {len(candles)} candles from {start} to {end}, {needed} needed for "
                f"SMA({period}) on two candles; no signal"
            )
            return []
        close = candles["close"]
        bands = bollinger_bands(close, period, k).iloc[-1]
        scores = zscore(close, period)
        previous_z, z = float(scores.iloc[-2]), float(scores.iloc[-1])
        self.log(
            f"{symbol}: {len(candles)} candles to {candles.index[-1]:%Y-%m-%d}, close "
            f"{float(close.iloc[-1]):.2f}; SMA({period}) {bands['middle']:.2f}, bands "
            f"{bands['lower']:.2f} / {bands['upper']:.2f}; z {previous_z:+.2f} -> {z:+.2f}"
        )
        if np.isnan(z) or np.isnan(previous_z):
            self.log(f"{symbol}: the close did not move over the window; no signal")
            return []
        action = reversion_action(previous_z, z, k)
        if action == ENTER_LONG:
            self.log(f"{symbol}: close below the lower band: BUY to a position of {quantity}")
            return [Signal(symbol, "BUY", exchange, quantity, position_size=quantity)]
        if action == ENTER_SHORT:
            target = -quantity if self.config["short_above_band"] else 0
            self.log(f"{symbol}: close above the upper band: SELL to a position of {target}")
            return [Signal(symbol, "SELL", exchange, quantity if target else 0, position_size=target)]
        if action == EXIT:
            # Back to flat from either side; quantity 0: nothing is traded when already flat.
            self.log(f"{symbol}: the close crossed its mean: exit to a position of 0")
            return [Signal(symbol, "SELL" if previous_z < 0 else "BUY", exchange, 0, position_size=0)]
        self.log(f"{symbol}: inside the bands, mean not crossed; no signal")
        return []
