"""Aggregating 1-minute candles into OpenAlgo's intervals, aligned to the exchange's session open."""

from __future__ import annotations

import numpy as np

from services.market.sessions import IST_OFFSET_S, SECONDS_PER_DAY, SessionGrid
from services.market.types import INTERVAL_MINUTES, Candles


def aggregate(minutes: Candles, grid: SessionGrid, interval: str) -> Candles:
    """Group time-sorted 1-minute candles into ``interval`` candles.

    Intraday buckets start at the session open (NSE 1h: 09:15, 10:15, ... 15:15), as brokers
    build them; a D candle is stamped with its date at 00:00 UTC, which is how OpenAlgo's history
    endpoint stamps daily data (the SDK reads it back as the plain date).
    """
    if interval == "1m" or not len(minutes):
        return minutes
    local = minutes.timestamp + IST_OFFSET_S
    day = local // SECONDS_PER_DAY
    if interval == "D":
        key = day
        stamps = day * SECONDS_PER_DAY
    else:
        width = INTERVAL_MINUTES[interval] * 60
        bucket = (local % SECONDS_PER_DAY - grid.open_s) // width
        key = day * 10_000 + bucket  # |bucket| < 1440, so keys stay ordered like the timestamps
        stamps = day * SECONDS_PER_DAY - IST_OFFSET_S + grid.open_s + bucket * width
    starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    ends = np.concatenate((starts[1:], [len(minutes)])) - 1
    return Candles(
        timestamp=stamps[starts].astype(np.int64),
        open=minutes.open[starts],
        high=np.maximum.reduceat(minutes.high, starts),
        low=np.minimum.reduceat(minutes.low, starts),
        close=minutes.close[ends],
        volume=np.add.reduceat(minutes.volume, starts),
        oi=minutes.oi[ends],
    )
