"""EMA crossover: go long when the fast EMA crosses above the slow EMA, exit when it crosses below.

The crossover is judged on the last candle only, so a cross produces one signal, on the run that
first sees it. Signals are smart orders (``position_size``): running the strategy twice on the same
candle trades once.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pandas as pd

from custom_strategies.base_strategy import BaseStrategy, Signal, SignalLike, history_window


def ema(close: pd.Series, span: int) -> pd.Series:
    """Exponential moving average with weight 2 / (span + 1), started at the first close."""
    return close.ewm(span=span, adjust=False).mean()


def crossover(fast: pd.Series, slow: pd.Series) -> int:
    """+1 when ``fast`` crossed above ``slow`` on the last bar, -1 when it crossed below, else 0.

    A cross means the sign of ``fast - slow`` changed between the last two bars (touching counts
    as the side it came from).
    """
    if len(fast) < 2 or len(slow) < 2:
        return 0
    before = float(fast.iloc[-2] - slow.iloc[-2])
    now = float(fast.iloc[-1] - slow.iloc[-1])
    if before <= 0 < now:
        return 1
    if before >= 0 > now:
        return -1
    return 0


class EMACrossover(BaseStrategy):
    """Fast/slow EMA crossover on daily candles: long on a bullish cross, flat or short on a bearish one."""

    name: ClassVar[str] = "EMA Crossover"
    description: ClassVar[str] = (
        "Buys when the fast EMA of the close crosses above the slow EMA on the last candle; "
        "on a bearish cross it exits to flat (or goes short when short_on_bearish is true)."
    )
    parameters: ClassVar[dict[str, Any]] = {
        "symbol": "RELIANCE",
        "exchange": "NSE",
        "interval": "D",
        "fast": 9,
        "slow": 21,
        "lookback_days": 120,
        "quantity": 1,
        "short_on_bearish": False,
        "as_of": "",
    }

    def execute(self) -> list[SignalLike]:
        symbol, exchange = str(self.config["symbol"]), str(self.config["exchange"])
        fast_span, slow_span = int(self.config["fast"]), int(self.config["slow"])
        quantity = int(self.config["quantity"])
        if not 0 < fast_span < slow_span:
            raise ValueError(f"fast ({fast_span}) must be positive and shorter than slow ({slow_span})")
        start, end = history_window(int(self.config["lookback_days"]), str(self.config["as_of"]))
        candles = self.get_history(symbol, exchange, str(self.config["interval"]), start, end)
        needed = slow_span + 1
        if len(candles) < needed:
            self.log(
                f"{symbol}: {len(candles)} candles from {start} to {end}, {needed} needed for "
                f"EMA({slow_span}) and a cross; no signal"
            )
            return []
        close = candles["close"].astype(float)
        fast, slow = ema(close, fast_span), ema(close, slow_span)
        cross = crossover(fast, slow)
        self.log(
            f"{symbol}: {len(candles)} candles to {candles.index[-1]:%Y-%m-%d}, close {close.iloc[-1]:.2f}; "
            f"EMA({fast_span}) {fast.iloc[-2]:.2f} -> {fast.iloc[-1]:.2f}, "
            f"EMA({slow_span}) {slow.iloc[-2]:.2f} -> {slow.iloc[-1]:.2f}"
        )
        if cross > 0:
            self.log(f"{symbol}: bullish crossover: BUY to a position of {quantity}")
            return [Signal(symbol, "BUY", exchange, quantity, position_size=quantity)]
        if cross < 0:
            target = -quantity if self.config["short_on_bearish"] else 0
            self.log(f"{symbol}: bearish crossover: SELL to a position of {target}")
            return [Signal(symbol, "SELL", exchange, quantity if target else 0, position_size=target)]
        side = "above" if fast.iloc[-1] > slow.iloc[-1] else "below"
        self.log(f"{symbol}: no crossover on the last candle (fast stays {side} slow); no signal")
        return []
