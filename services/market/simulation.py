"""The simulated price path of a symbol: deterministic, seeded by symbol, computable for any day.

Two layers, both pure functions of (seed, day):

* **Daily anchors.** The log price of day d is a moving sum of the last ``ANCHOR_WINDOW`` daily
  shocks. Day to day it moves like a random walk with the symbol's daily volatility, yet it stays
  around the base price for ever (its spread is bounded), and any day is computed from a window of
  shocks instead of a replay from the year 2000. A small overnight gap separates a close from the
  next open.
* **Minutes.** Inside a session the path is a Brownian bridge from the day's open to its close, so
  minute candles, every aggregate of them, and the daily anchors agree exactly.

Prices here are raw floats; ``MarketData`` applies overrides and rounds to the tick size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from services.market import rng
from services.market.sessions import SessionGrid, epoch_day

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

ANCHOR_WINDOW = 250  # trading-year of shocks: the walk's memory, and what bounds its spread
_DAILY, _GAP, _MINUTE, _WICK, _VOLUME = range(1, 6)
_COUNTER_OFFSET = 1 << 20  # keeps day counters positive for any date after 1970 minus the window
_MINUTE_SLOTS = 2048  # > 1440 minutes in a day: one counter per minute of every day


@dataclass(frozen=True)
class PathSpec:
    """Everything that determines one symbol's simulated prices."""

    seed: int
    base_price: float
    daily_vol: float
    volume_per_minute: float
    #: futures: yearly cost of carry over the underlying, shrinking to 0 at expiry
    premium_rate: float = 0.0
    expiry: date | None = None
    open_interest: int = 0


@dataclass(frozen=True)
class DayBars:
    """Raw minute prices of whole session days: arrays shaped (days, minutes of the session)."""

    days: I64
    open: F64
    high: F64
    low: F64
    close: F64
    volume: F64


def _log_anchors(spec: PathSpec, days: I64) -> tuple[F64, F64]:
    """Log open and log close (relative to the base price) of each epoch day in ``days``."""
    first, last = int(days.min()), int(days.max())
    counters = np.arange(first - ANCHOR_WINDOW, last + 2, dtype=np.int64) + _COUNTER_OFFSET
    shocks = rng.normal(rng.stream_seed(spec.seed, _DAILY), counters)
    running = np.concatenate(([0.0], np.cumsum(shocks)))
    # The moving sum's step is the difference of two shocks, so scale by 1/sqrt(2) for the daily vol.
    scale = spec.daily_vol / math.sqrt(2.0)

    def level(day: I64) -> F64:
        return scale * (running[day - first + ANCHOR_WINDOW] - running[day - first])

    gaps = rng.normal(rng.stream_seed(spec.seed, _GAP), days + _COUNTER_OFFSET) * (0.3 * spec.daily_vol)
    return level(days) + gaps, level(days + 1)


def _premium(spec: PathSpec, days: I64) -> F64:
    if not spec.premium_rate or spec.expiry is None:
        return np.ones(days.shape[0])
    remaining = np.maximum(epoch_day(spec.expiry) - days, 0)
    return 1.0 + spec.premium_rate * remaining / 365.0


def day_close(spec: PathSpec, day: date) -> float:
    """The closing price of ``day`` (the last minute's close), computed from the anchors alone."""
    days = np.array([epoch_day(day)], dtype=np.int64)
    _open, close = _log_anchors(spec, days)
    return float(spec.base_price * math.exp(close[0]) * _premium(spec, days)[0])


def simulate_days(spec: PathSpec, grid: SessionGrid, days: I64) -> DayBars:
    """Minute bars of every session day in ``days`` (epoch days), vectorised over all of them."""
    n = grid.minutes
    log_open, log_close = _log_anchors(spec, days)
    minute = np.arange(n, dtype=np.int64)
    counters = (days[:, None] + _COUNTER_OFFSET) * _MINUTE_SLOTS + minute[None, :]
    sigma = spec.daily_vol / math.sqrt(n)  # intraday noise about as large as a day's move
    walk = np.cumsum(rng.normal(rng.stream_seed(spec.seed, _MINUTE), counters), axis=1) * sigma
    progress = (minute + 1) / n
    bridge = (
        log_open[:, None]
        + walk
        - progress[None, :] * walk[:, -1:]
        + progress[None, :] * (log_close - log_open)[:, None]
    )
    scale = spec.base_price * _premium(spec, days)[:, None]
    close = scale * np.exp(bridge)
    open_ = np.empty_like(close)
    open_[:, 0] = scale[:, 0] * np.exp(log_open)
    open_[:, 1:] = close[:, :-1]
    up, down = rng.uniform_pair(rng.stream_seed(spec.seed, _WICK), counters)
    wick = 0.5 * sigma
    high = np.maximum(open_, close) * np.exp(-wick * np.log(up))
    low = np.minimum(open_, close) * np.exp(wick * np.log(down))
    # Volume follows the intraday U shape (busy open and close) with lognormal noise.
    shape = 0.6 + 1.6 * (2.0 * progress - 1.0) ** 2
    noise = np.exp(0.5 * rng.normal(rng.stream_seed(spec.seed, _VOLUME), counters))
    volume = spec.volume_per_minute * shape[None, :] * noise
    return DayBars(days, open_, high, low, close, volume)
