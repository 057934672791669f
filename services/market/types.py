"""Market-data values the broker seam passes around: quotes, depth and candles."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

#: OpenAlgo's common history intervals, in minutes (D is one candle per session day).
INTERVAL_MINUTES = {"1m": 1, "3m": 3, "5m": 5, "10m": 10, "15m": 15, "30m": 30, "1h": 60}
INTERVALS = (*INTERVAL_MINUTES, "D")


@dataclass(frozen=True)
class Quote:
    open: float
    high: float
    low: float
    ltp: float
    ask: float
    bid: float
    prev_close: float
    volume: int
    oi: int = 0


@dataclass(frozen=True)
class DepthLevel:
    price: float
    quantity: int


@dataclass(frozen=True)
class Depth:
    quote: Quote
    ltq: int
    totalbuyqty: int
    totalsellqty: int
    bids: tuple[DepthLevel, ...]
    asks: tuple[DepthLevel, ...]


def _ints() -> npt.NDArray[np.int64]:
    return np.empty(0, dtype=np.int64)


def _floats() -> npt.NDArray[np.float64]:
    return np.empty(0, dtype=np.float64)


@dataclass(frozen=True)
class Candles:
    """OHLCV columns; ``timestamp`` is epoch seconds of each candle's start (D: the date at 00:00 UTC)."""

    timestamp: npt.NDArray[np.int64] = field(default_factory=_ints)
    open: npt.NDArray[np.float64] = field(default_factory=_floats)
    high: npt.NDArray[np.float64] = field(default_factory=_floats)
    low: npt.NDArray[np.float64] = field(default_factory=_floats)
    close: npt.NDArray[np.float64] = field(default_factory=_floats)
    volume: npt.NDArray[np.int64] = field(default_factory=_ints)
    oi: npt.NDArray[np.int64] = field(default_factory=_ints)

    def __len__(self) -> int:
        return int(self.timestamp.shape[0])

    @classmethod
    def concat(cls, parts: list[Candles]) -> Candles:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls()
        if len(parts) == 1:
            return parts[0]
        return cls(*(np.concatenate([getattr(p, name) for p in parts]) for name in _COLUMNS))

    def select(self, mask: npt.NDArray[np.bool_]) -> Candles:
        return Candles(*(getattr(self, name)[mask] for name in _COLUMNS))


_COLUMNS = ("timestamp", "open", "high", "low", "close", "volume", "oi")
