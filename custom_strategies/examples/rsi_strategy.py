"""RSI: buy when Wilder's RSI says oversold, exit (or go short) when it says overbought.

RSI = 100 - 100 / (1 + average gain / average loss) over ``period`` closes, with Wilder's
smoothing: the first averages are plain means of the first ``period`` changes, each later one is
``(previous * (period - 1) + today) / period``. Signals are smart orders (``position_size``), so
a second run while RSI stays oversold does not buy again.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from custom_strategies.base_strategy import BaseStrategy, Signal, SignalLike, history_window


def _rsi_value(average_gain: float, average_loss: float) -> float:
    if average_loss == 0:
        return 100.0 if average_gain > 0 else 50.0  # only rises: 100; no movement at all: neutral
    return 100.0 - 100.0 / (1.0 + average_gain / average_loss)


def wilder_rsi(close: pd.Series, period: int = 14) -> pd.Series:
    """Wilder's RSI of ``close``; NaN for the first ``period`` bars (it needs ``period`` changes)."""
    if period < 1:
        raise ValueError(f"period must be at least 1, got {period}")
    values = close.astype(float).to_numpy()
    rsi = np.full(len(values), np.nan)
    if len(values) <= period:
        return pd.Series(rsi, index=close.index)
    change = np.diff(values)
    gains, losses = np.clip(change, 0, None), np.clip(-change, 0, None)
    average_gain, average_loss = float(gains[:period].mean()), float(losses[:period].mean())
    rsi[period] = _rsi_value(average_gain, average_loss)
    for bar in range(period + 1, len(values)):
        average_gain = (average_gain * (period - 1) + gains[bar - 1]) / period
        average_loss = (average_loss * (period - 1) + losses[bar - 1]) / period
        rsi[bar] = _rsi_value(average_gain, average_loss)
    return pd.Series(rsi, index=close.index)


def rsi_zone(value: float, oversold: float, overbought: float) -> int:
    """+1 oversold (at or below ``oversold``), -1 overbought (at or above ``overbought``), else 0."""
    if value <= oversold:
        return 1
    if value >= overbought:
        return -1
    return 0


class RSIStrategy(BaseStrategy):
    """Wilder RSI(14) on daily candles: long when oversold, flat or short when overbought."""

    name: ClassVar[str] = "RSI Oversold/Overbought"
    description: ClassVar[str] = (
        "Buys when the last candle's RSI is at or below oversold (30); when it is at or above "
        "overbought (70) it exits to flat (or goes short when short_on_overbought is true)."
    )
    parameters: ClassVar[dict[str, Any]] = {
        "symbol": "RELIANCE",
        "exchange": "NSE",
        "interval": "D",
        "period": 14,
        "oversold": 30.0,
        "overbought": 70.0,
        "lookback_days": 120,
        "quantity": 1,
        "short_on_overbought": False,
        "as_of": "",
    }

    def execute(self) -> list[SignalLike]:
        symbol, exchange = str(self.config["symbol"]), str(self.config["exchange"])
        period, quantity = int(self.config["period"]), int(self.config["quantity"])
        oversold, overbought = float(self.config["oversold"]), float(self.config["overbought"])
        if not 0 <= oversold < overbought <= 100:
            raise ValueError(f"need 0 <= oversold ({oversold}) < overbought ({overbought}) <= 100")
        start, end = history_window(int(self.config["lookback_days"]), str(self.config["as_of"]))
        candles = self.get_history(symbol, exchange, str(self.config["interval"]), start, end)
        if len(candles) <= period:
            self.log(
                f"{symbol}: {len(candles)} candles from {start} to {end}, {period + 1} needed "
                f"for RSI({period}); no signal"
            )
            return []
        rsi = float(wilder_rsi(candles["close"], period).iloc[-1])
        self.log(
            f"{symbol}: {len(candles)} candles to {candles.index[-1]:%Y-%m-%d}, close "
            f"{float(candles['close'].iloc[-1]):.2f}; RSI({period}) {rsi:.2f} "
            f"(oversold {oversold:g}, overbought {overbought:g})"
        )
        zone = rsi_zone(rsi, oversold, overbought)
        if zone > 0:
            self.log(f"{symbol}: oversold: BUY to a position of {quantity}")
            return [Signal(symbol, "BUY", exchange, quantity, position_size=quantity)]
        if zone < 0:
            target = -quantity if self.config["short_on_overbought"] else 0
            self.log(f"{symbol}: overbought: SELL to a position of {target}")
            return [Signal(symbol, "SELL", exchange, quantity if target else 0, position_size=target)]
        self.log(f"{symbol}: RSI between the levels; no signal")
        return []
