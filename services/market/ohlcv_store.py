"""Real OHLCV data: importing a CSV for a symbol and reading it back as candles.

When a symbol has imported candles the sandbox serves them instead of simulated prices. A CSV has a
``timestamp`` (or ``datetime`` / ``date``) column, ``open high low close volume`` and optionally
``oi``. Timestamps are epoch seconds or date-times; date-times without a zone are IST, as Indian
market data is. Daily files (every timestamp at midnight) become D candles, others 1-minute ones.
An import replaces what was imported before for that symbol and interval, in one transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import delete, func, insert, select

from database.engine import Database
from database.models.market import MarketCandle
from services.errors import InvalidInput
from services.market.sessions import IST_OFFSET_S, SECONDS_PER_DAY
from services.market.types import Candles

log = logging.getLogger(__name__)

_TIME_COLUMNS = ("timestamp", "datetime", "date", "time")
_REQUIRED = ("open", "high", "low", "close", "volume")
_BATCH = 5_000


@dataclass(frozen=True)
class ImportResult:
    exchange: str
    symbol: str
    interval: str
    rows: int
    first: int
    last: int


def _timestamps(column: pd.Series) -> npt.NDArray[np.int64]:
    if pd.api.types.is_numeric_dtype(column):
        return np.asarray(column.to_numpy(), dtype=np.int64)
    parsed = pd.to_datetime(column, format="mixed")
    if parsed.dt.tz is None:
        parsed = parsed.dt.tz_localize("Asia/Kolkata")
    # Whole seconds since the epoch, whatever resolution pandas chose for the parsed column.
    seconds = (parsed.dt.tz_convert("UTC") - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
    return np.asarray(seconds.to_numpy(), dtype=np.int64)


def read_ohlcv_csv(path: Path) -> tuple[str, Candles]:
    """Parse and check an OHLCV CSV; returns its interval ("1m" or "D") and the candles."""
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"Cannot read {path}: {exc}") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    time_column = next((c for c in _TIME_COLUMNS if c in frame.columns), None)
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if time_column is None or missing:
        wanted = ", ".join(missing or ["timestamp"])
        raise InvalidInput(f"{path.name}: missing column(s) {wanted}")
    if frame.empty:
        raise InvalidInput(f"{path.name}: no rows")
    if frame[list(_REQUIRED)].isna().any().any():
        raise InvalidInput(f"{path.name}: empty values in the OHLCV columns")
    try:
        stamps = _timestamps(frame[time_column])
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"{path.name}: unreadable timestamps ({exc})") from None
    local = stamps + IST_OFFSET_S
    daily = bool(np.all(local % SECONDS_PER_DAY == 0))
    if daily:
        stamps = local  # OpenAlgo stamps a D candle with its date at 00:00 UTC
    elif np.any(stamps % 60):
        raise InvalidInput(f"{path.name}: intraday timestamps must fall on whole minutes")
    order = np.argsort(stamps, kind="stable")
    stamps = stamps[order]
    if np.any(stamps[1:] == stamps[:-1]):
        raise InvalidInput(f"{path.name}: duplicate timestamps")
    prices = {c: frame[c].to_numpy(dtype=np.float64)[order] for c in ("open", "high", "low", "close")}
    volume = frame["volume"].to_numpy(dtype=np.float64)[order]
    oi = frame["oi"].fillna(0).to_numpy(dtype=np.float64)[order] if "oi" in frame else np.zeros(len(order))
    top = np.maximum(prices["open"], prices["close"])
    bottom = np.minimum(prices["open"], prices["close"])
    if np.any(prices["high"] < top) or np.any(prices["low"] > bottom) or np.any(bottom <= 0):
        raise InvalidInput(f"{path.name}: every row needs 0 < low <= open, close <= high")
    if np.any(volume < 0) or np.any(oi < 0):
        raise InvalidInput(f"{path.name}: volume and oi cannot be negative")
    candles = Candles(
        timestamp=stamps.astype(np.int64),
        open=prices["open"],
        high=prices["high"],
        low=prices["low"],
        close=prices["close"],
        volume=volume.astype(np.int64),
        oi=oi.astype(np.int64),
    )
    return ("D" if daily else "1m"), candles


class OhlcvStore:
    """Imported candles in the database, read back as numpy columns."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def import_csv(self, exchange: str, symbol: str, path: Path) -> ImportResult:
        interval, candles = read_ohlcv_csv(path)
        rows = [
            {
                "exchange": exchange,
                "symbol": symbol,
                "interval": interval,
                "ts": ts,
                "open": o,
                "high": h,
                "low": lo,
                "close": c,
                "volume": v,
                "oi": oi,
            }
            for ts, o, h, lo, c, v, oi in zip(
                candles.timestamp.tolist(),
                candles.open.tolist(),
                candles.high.tolist(),
                candles.low.tolist(),
                candles.close.tolist(),
                candles.volume.tolist(),
                candles.oi.tolist(),
                strict=True,
            )
        ]
        with self._db.session() as session:
            session.execute(
                delete(MarketCandle).where(
                    MarketCandle.exchange == exchange,
                    MarketCandle.symbol == symbol,
                    MarketCandle.interval == interval,
                )
            )
            for start in range(0, len(rows), _BATCH):
                session.execute(insert(MarketCandle), rows[start : start + _BATCH])
        log.info("Imported %d %s candles for %s:%s from %s", len(rows), interval, exchange, symbol, path)
        return ImportResult(
            exchange, symbol, interval, len(rows), int(candles.timestamp[0]), int(candles.timestamp[-1])
        )

    def intervals(self, exchange: str, symbol: str) -> frozenset[str]:
        """Which intervals ("1m", "D") were imported for the symbol (empty: it is simulated)."""
        with self._db.session() as session:
            found = session.scalars(
                select(MarketCandle.interval)
                .where(MarketCandle.exchange == exchange, MarketCandle.symbol == symbol)
                .group_by(MarketCandle.interval)
            )
            return frozenset(found)

    def load(self, exchange: str, symbol: str, interval: str, start_ts: int, end_ts: int) -> Candles:
        """Candles with start_ts <= timestamp < end_ts, oldest first."""
        with self._db.session() as session:
            rows = session.execute(
                select(
                    MarketCandle.ts,
                    MarketCandle.open,
                    MarketCandle.high,
                    MarketCandle.low,
                    MarketCandle.close,
                    MarketCandle.volume,
                    MarketCandle.oi,
                )
                .where(
                    MarketCandle.exchange == exchange,
                    MarketCandle.symbol == symbol,
                    MarketCandle.interval == interval,
                    MarketCandle.ts >= start_ts,
                    MarketCandle.ts < end_ts,
                )
                .order_by(MarketCandle.ts)
            ).all()
        if not rows:
            return Candles()
        columns = list(zip(*rows, strict=True))
        return Candles(
            timestamp=np.asarray(columns[0], dtype=np.int64),
            open=np.asarray(columns[1], dtype=np.float64),
            high=np.asarray(columns[2], dtype=np.float64),
            low=np.asarray(columns[3], dtype=np.float64),
            close=np.asarray(columns[4], dtype=np.float64),
            volume=np.asarray(columns[5], dtype=np.int64),
            oi=np.asarray(columns[6], dtype=np.int64),
        )

    def last_timestamp(self, exchange: str, symbol: str, interval: str, at_or_before: int) -> int | None:
        with self._db.session() as session:
            value = session.scalar(
                select(func.max(MarketCandle.ts)).where(
                    MarketCandle.exchange == exchange,
                    MarketCandle.symbol == symbol,
                    MarketCandle.interval == interval,
                    MarketCandle.ts <= at_or_before,
                )
            )
        return None if value is None else int(value)
