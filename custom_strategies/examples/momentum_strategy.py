"""Momentum: follow an N-day rate of change that clears a threshold, optionally on rising volume.

Rate of change (ROC) = (close / close N bars ago - 1) x 100, in percent. Above ``buy_above``:
long; below ``sell_below``: flat (or short). With ``volume_filter`` on, a signal also needs the
last candle's volume to be at least ``volume_factor`` times the average of the ``volume_period``
candles before it. Signals are smart orders (``position_size``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import pandas as pd

from custom_strategies.base_strategy import BaseStrategy, Signal, SignalLike, history_window


def rate_of_change(close: pd.Series, period: int) -> pd.Series:
    """Percent change of each close against the close ``period`` bars before (NaN before that)."""
    if period < 1:
        raise ValueError(f"period must be at least 1, got {period}")
    values = close.astype(float)
    return (values / values.shift(period) - 1.0) * 100.0


def volume_ratio(volume: pd.Series, period: int) -> pd.Series:
    """Each bar's volume over the average volume of the ``period`` bars before it (NaN before that)."""
    if period < 1:
        raise ValueError(f"period must be at least 1, got {period}")
    values = volume.astype(float)
    return values / values.shift(1).rolling(period).mean()


def momentum_side(roc: float, buy_above: float, sell_below: float) -> int:
    """+1 when ``roc`` is above ``buy_above``, -1 when below ``sell_below``, else 0."""
    if roc > buy_above:
        return 1
    if roc < sell_below:
        return -1
    return 0


class MomentumStrategy(BaseStrategy):
    """N-day rate of change: long above a threshold, flat or short below another, optional volume filter."""

    name: ClassVar[str] = "Momentum (Rate of Change)"
    description: ClassVar[str] = (
        "Buys when the close has risen more than buy_above percent over the last period candles, "
        "exits (or shorts) when it has fallen more than sell_below; optionally only on high volume."
    )
    parameters: ClassVar[dict[str, Any]] = {
        "symbol": "RELIANCE",
        "exchange": "NSE",
        "interval": "D",
        "period": 20,
        "buy_above": 5.0,
        "sell_below": -5.0,
        "volume_filter": False,
        "volume_period": 20,
        "volume_factor": 1.0,
        "lookback_days": 120,
        "quantity": 1,
        "short_on_sell": False,
        "as_of": "",
    }

    def execute(self) -> list[SignalLike]:
        symbol, exchange = str(self.config["symbol"]), str(self.config["exchange"])
        period, quantity = int(self.config["period"]), int(self.config["quantity"])
        buy_above, sell_below = float(self.config["buy_above"]), float(self.config["sell_below"])
        if sell_below > buy_above:
            raise ValueError(f"sell_below ({sell_below}) must not be above buy_above ({buy_above})")
        volume_period = int(self.config["volume_period"])
        use_volume = bool(self.config["volume_filter"])
        needed = max(period, volume_period if use_volume else 0) + 1
        start, end = history_window(int(self.config["lookback_days"]), str(self.config["as_of"]))
        candles = self.get_history(symbol, exchange, str(self.config["interval"]), start, end)
        if len(candles) < needed:
            self.log(f"{symbol}: {len(candles)} candles from {start} to {end}, {needed} needed; no signal")
            return []
        roc = float(rate_of_change(candles["close"], period).iloc[-1])
        self.log(
            f"{symbol}: {len(candles)} candles to {candles.index[-1]:%Y-%m-%d}, close "
            f"{float(candles['close'].iloc[-1]):.2f}; ROC({period}) {roc:+.2f}% "
            f"(buy above {buy_above:+g}%, sell below {sell_below:+g}%)"
        )
        side = momentum_side(roc, buy_above, sell_below)
        if side == 0:
            self.log(f"{symbol}: no momentum beyond the thresholds; no signal")
            return []
        if use_volume:
            ratio = float(volume_ratio(candles["volume"], volume_period).iloc[-1])
            factor = float(self.config["volume_factor"])
            self.log(f"{symbol}: volume {ratio:.3f}x its {volume_period}-candle average (needs {factor:g}x)")
            if not ratio >= factor:
                self.log(f"{symbol}: volume too low to confirm; no signal")
                return []
        if side > 0:
            self.log(f"{symbol}: upward momentum: BUY to a position of {quantity}")
            return [Signal(symbol, "BUY", exchange, quantity, position_size=quantity)]
        target = -quantity if self.config["short_on_sell"] else 0
        self.log(f"{symbol}: downward momentum: SELL to a position of {target}")
        return [Signal(symbol, "SELL", exchange, quantity if target else 0, position_size=target)]
