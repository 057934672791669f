"""The sandbox's market data: quotes, depth and history that always agree with each other.

Prices are simulated per symbol (``simulation``) unless real OHLCV was imported for it
(``ohlcv_store``). The quote is computed from the same minute bars as the history, including the
minute that is still forming, so the candle containing "now" closes at the quote's LTP for every
interval. Tests and the sandbox page can move a symbol's price (``set_price``): the move scales
the symbol's whole series, so quotes and candles stay consistent.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np

from services.clock import Clock
from services.errors import InvalidInput, Unavailable
from services.market import rng
from services.market.candles import aggregate
from services.market.instruments import Instrument, InstrumentIndex
from services.market.ohlcv_store import OhlcvStore
from services.market.sessions import IST_OFFSET_S, SECONDS_PER_DAY, Cursor, SessionGrid, epoch_day
from services.market.simulation import DayBars, PathSpec, simulate_days
from services.market.types import INTERVAL_MINUTES, Candles, Depth, DepthLevel, Quote

#: Daily volatility by instrument type (about 27 %, 17 % and 48 % a year).
DAILY_VOL = {"EQ": 0.017, "INDEX": 0.011, "CRYPTO": 0.03}
MCX_DAILY_VOL = 0.015
#: Rupee turnover of a typical day, spread over the session's minutes to size volumes.
DAILY_TURNOVER = 4e9
#: Bid-ask spread as a fraction of the price (at least one tick each side).
SPREAD = {"EQ": 0.0004, "FUT": 0.0002, "CRYPTO": 0.0002}
FUTURES_CARRY = 0.065
#: A moved price stays within this factor of the symbol's simulated price, either way.
MAX_MOVE = 100.0
_CHUNK_CELLS = 400_000  # minutes simulated at once when a long range is requested


def price_decimals(tick: float) -> int:
    return max(0, -int(Decimal(str(tick)).normalize().as_tuple().exponent))


def round_to_tick(values: np.ndarray, tick: float) -> np.ndarray:
    return np.round(np.round(values / tick) * tick, price_decimals(tick))


def _round(value: float, tick: float) -> float:
    return float(round_to_tick(np.array([value]), tick)[0])


class MarketData:
    """Quotes, depth and candles for the instruments of the master contract."""

    def __init__(
        self,
        clock: Clock,
        store: OhlcvStore,
        instruments: Callable[[], InstrumentIndex],
        max_candles: int = 600_000,
    ) -> None:
        self._clock = clock
        self._store = store
        self._instruments = instruments
        self._max_candles = max_candles
        self._factors: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    # Price model -----------------------------------------------------------------------------
    def spec(self, instrument: Instrument) -> PathSpec:
        """The simulated path of ``instrument``; a future follows its underlying plus carry."""
        source = instrument
        if instrument.underlying:
            exchange, _, symbol = instrument.underlying.partition(":")
            source = self._instruments().get(exchange, symbol) or instrument
        if source.exchange == "MCX":
            vol = MCX_DAILY_VOL
        else:
            vol = DAILY_VOL.get(source.instrumenttype, DAILY_VOL["EQ"])
        grid = SessionGrid.for_exchange(instrument.exchange)
        quoted_only = not instrument.tradable
        seed = rng.symbol_seed(source.exchange, source.symbol)
        return PathSpec(
            seed=seed,
            base_price=source.base_price or instrument.base_price,
            daily_vol=vol,
            volume_per_minute=0.0 if quoted_only else DAILY_TURNOVER / source.base_price / grid.minutes,
            premium_rate=FUTURES_CARRY if instrument.underlying else 0.0,
            expiry=instrument.expiry,
            open_interest=(seed % 90 + 10) * 1000 * instrument.lotsize if instrument.is_derivative else 0,
        )

    def _factor(self, instrument: Instrument) -> float:
        with self._lock:
            return self._factors.get(instrument.key, 1.0)

    def _cursor(self, instrument: Instrument, grid: SessionGrid) -> Cursor:
        cursor = grid.cursor(self._clock.now())
        if cursor is None:
            raise Unavailable("The sandbox market has no prices before the year 2000.")
        if instrument.expiry is not None and instrument.expiry < cursor.day:
            return Cursor(instrument.expiry, float(grid.length_s))  # an expired contract stops
        return cursor

    def _minutes(self, bars: DayBars, rows: slice, grid: SessionGrid, instrument: Instrument) -> Candles:
        """Whole days of ``bars`` as rounded 1-minute candles."""
        days = bars.days[rows]
        starts = days * SECONDS_PER_DAY - IST_OFFSET_S + grid.open_s
        stamps = (starts[:, None] + np.arange(grid.minutes, dtype=np.int64)[None, :] * 60).ravel()
        factor, tick = self._factor(instrument), instrument.tick_size
        spec_oi = self.spec(instrument).open_interest
        return Candles(
            timestamp=stamps,
            open=round_to_tick(bars.open[rows].ravel() * factor, tick),
            high=round_to_tick(bars.high[rows].ravel() * factor, tick),
            low=round_to_tick(bars.low[rows].ravel() * factor, tick),
            close=round_to_tick(bars.close[rows].ravel() * factor, tick),
            volume=np.rint(bars.volume[rows].ravel()).astype(np.int64),
            oi=np.full(stamps.shape[0], spec_oi, dtype=np.int64),
        )

    def _forming_day(
        self, bars: DayBars, row: int, cursor: Cursor, grid: SessionGrid, ins: Instrument
    ) -> Candles:
        """The minutes of a session up to ``cursor``, ending with the minute still forming."""
        whole = self._minutes(bars, slice(row, row + 1), grid, ins)
        minute = cursor.minute()
        if minute >= grid.minutes:
            return whole
        fraction = cursor.fraction()
        factor, tick = self._factor(ins), ins.tick_size
        o, c = bars.open[row, minute] * factor, bars.close[row, minute] * factor
        h, lo = bars.high[row, minute] * factor, bars.low[row, minute] * factor
        price = o + (c - o) * fraction
        high = max(o, price) + (h - max(o, c)) * fraction
        low = min(o, price) - (min(o, c) - lo) * fraction
        partial = whole.select(np.arange(len(whole)) <= minute)
        partial.high[-1] = _round(high, tick)
        partial.low[-1] = _round(low, tick)
        partial.close[-1] = _round(price, tick)
        partial.volume[-1] = int(bars.volume[row, minute] * fraction)
        return partial

    # Quotes ------------------------------------------------------------------------------------
    def quote(self, instrument: Instrument) -> Quote:
        grid = SessionGrid.for_exchange(instrument.exchange)
        cursor = self._cursor(instrument, grid)
        imported = self._imported_day(instrument, grid)
        if imported is not None:
            day, prev_close = imported
        else:
            previous = grid.previous_trading_day(cursor.day) or cursor.day
            days = np.array([epoch_day(previous), epoch_day(cursor.day)], dtype=np.int64)
            bars = simulate_days(self.spec(instrument), grid, days)
            day = self._forming_day(bars, 1, cursor, grid, instrument)
            prev_close = _round(bars.close[0, -1] * self._factor(instrument), instrument.tick_size)
        return self._quote_of_day(instrument, day, prev_close)

    def _quote_of_day(self, instrument: Instrument, day: Candles, prev_close: float) -> Quote:
        ltp = float(day.close[-1])
        tradable = instrument.tradable
        half = 0.0
        if tradable:
            ticks = max(
                1, round(ltp * SPREAD.get(instrument.instrumenttype, SPREAD["EQ"]) / 2 / instrument.tick_size)
            )
            half = ticks * instrument.tick_size
        return Quote(
            open=float(day.open[0]),
            high=float(day.high.max()),
            low=float(day.low.min()),
            ltp=ltp,
            ask=_round(ltp + half, instrument.tick_size) if tradable else 0.0,
            bid=_round(max(ltp - half, instrument.tick_size), instrument.tick_size) if tradable else 0.0,
            prev_close=prev_close,
            volume=int(day.volume.sum()),
            oi=int(day.oi[-1]),
        )

    def depth(self, instrument: Instrument) -> Depth:
        quote = self.quote(instrument)
        now = int(self._clock.now().timestamp()) // 60
        seed = rng.symbol_seed(instrument.exchange, instrument.symbol, "depth")
        sizes = (rng.hashes(seed, np.arange(11) + now * 16) % 40 + 1).astype(np.int64) * instrument.lotsize
        step = instrument.tick_size
        if not instrument.tradable:
            empty = tuple(DepthLevel(0.0, 0) for _ in range(5))
            return Depth(quote, 0, 0, 0, empty, empty)
        bids = tuple(DepthLevel(_round(quote.bid - i * step, step), int(sizes[i]) * 10) for i in range(5))
        asks = tuple(DepthLevel(_round(quote.ask + i * step, step), int(sizes[5 + i]) * 10) for i in range(5))
        return Depth(
            quote=quote,
            ltq=int(sizes[10]),
            totalbuyqty=sum(b.quantity for b in bids) * 25,
            totalsellqty=sum(a.quantity for a in asks) * 25,
            bids=bids,
            asks=asks,
        )

    # Driving the price -------------------------------------------------------------------------
    def set_price(self, instrument: Instrument, price: float) -> Quote:
        """Move the symbol so that its LTP is now ``price`` (the walk continues from there).

        Within ``MAX_MOVE`` times the symbol's own price either way, checked before anything
        changes: a price far off its path would poison every order and funds figure after it.
        """
        raw = self._raw_ltp(instrument)
        factor = price / raw if math.isfinite(price) and price > 0 else math.nan
        if not 1 / MAX_MOVE <= factor <= MAX_MOVE:
            low, high = (
                _round(raw / MAX_MOVE, instrument.tick_size),
                _round(raw * MAX_MOVE, instrument.tick_size),
            )
            raise InvalidInput(
                f"{instrument.symbol} can move to a price between {low} and {high} "
                f"(at most {MAX_MOVE:g} times its simulated price either way).",
                fields={"price": f"must be between {low} and {high}"},
            )
        with self._lock:
            self._factors[instrument.key] = factor
        return self.quote(instrument)

    def _raw_ltp(self, instrument: Instrument) -> float:
        """The LTP before any move and before rounding (moving to an exact price needs the exact
        base); computed without touching the current move."""
        grid = SessionGrid.for_exchange(instrument.exchange)
        imported = self._imported_day(instrument, grid, factor=1.0)
        if imported is not None:
            return float(imported[0].close[-1])
        cursor = self._cursor(instrument, grid)
        bars = simulate_days(self.spec(instrument), grid, np.array([epoch_day(cursor.day)], dtype=np.int64))
        minute = cursor.minute()
        if minute >= grid.minutes:
            return float(bars.close[0, -1])
        o, c = float(bars.open[0, minute]), float(bars.close[0, minute])
        return o + (c - o) * cursor.fraction()

    def clear_price(self, instrument: Instrument) -> None:
        with self._lock:
            self._factors.pop(instrument.key, None)

    def moved_symbols(self) -> dict[tuple[str, str], float]:
        with self._lock:
            return dict(self._factors)

    # History -----------------------------------------------------------------------------------
    def history(self, instrument: Instrument, interval: str, start: date, end: date) -> Candles:
        if interval != "D" and interval not in INTERVAL_MINUTES:
            raise InvalidInput(f"Unknown interval {interval!r}.", fields={"interval": "unknown interval"})
        if end < start:
            raise InvalidInput(
                "end_date is before start_date.", fields={"end_date": "must not be before start_date"}
            )
        grid = SessionGrid.for_exchange(instrument.exchange)
        cursor = self._cursor(instrument, grid)
        imported = self._store.intervals(instrument.exchange, instrument.symbol)
        if imported:
            return self._imported_history(
                instrument, grid=grid, interval=interval, start=start, end=end, imported=imported
            )
        days = grid.trading_days(start, min(end, cursor.day))
        per_day = 1 if interval == "D" else math.ceil(grid.minutes / INTERVAL_MINUTES[interval])
        if days.size * per_day > self._max_candles:
            raise InvalidInput(
                f"That range holds more than {self._max_candles:,} {interval} candles; ask for less.",
                fields={"start_date": "range too large for this interval"},
            )
        if days.size == 0:
            return Candles()
        spec = self.spec(instrument)
        forming = days[-1] == epoch_day(cursor.day) and cursor.elapsed < grid.length_s
        complete = days[:-1] if forming else days
        parts: list[Candles] = []
        chunk = max(1, _CHUNK_CELLS // grid.minutes)
        for first in range(0, complete.size, chunk):
            bars = simulate_days(spec, grid, complete[first : first + chunk])
            parts.append(aggregate(self._minutes(bars, slice(None), grid, instrument), grid, interval))
        if forming:
            bars = simulate_days(spec, grid, days[-1:])
            parts.append(aggregate(self._forming_day(bars, 0, cursor, grid, instrument), grid, interval))
        return Candles.concat(parts)

    # Imported data -----------------------------------------------------------------------------
    def _scaled(self, candles: Candles, instrument: Instrument, factor: float | None = None) -> Candles:
        factor = self._factor(instrument) if factor is None else factor
        if factor == 1.0:
            return candles
        tick = instrument.tick_size
        return Candles(
            candles.timestamp,
            round_to_tick(candles.open * factor, tick),
            round_to_tick(candles.high * factor, tick),
            round_to_tick(candles.low * factor, tick),
            round_to_tick(candles.close * factor, tick),
            candles.volume,
            candles.oi,
        )

    def _imported_day(
        self, instrument: Instrument, grid: SessionGrid, factor: float | None = None
    ) -> tuple[Candles, float] | None:
        """The last imported session up to now and the close before it, or None (simulated).

        Scaled by the symbol's move, or by ``factor`` when given."""
        intervals = self._store.intervals(instrument.exchange, instrument.symbol)
        if not intervals:
            return None
        interval = "1m" if "1m" in intervals else "D"
        now = int(self._clock.now().timestamp())
        latest = self._store.last_timestamp(
            instrument.exchange, instrument.symbol, interval, now if interval == "1m" else now + IST_OFFSET_S
        )
        if latest is None:
            return None
        if interval == "1m":
            day_start = (latest + IST_OFFSET_S) // SECONDS_PER_DAY * SECONDS_PER_DAY - IST_OFFSET_S
        else:
            day_start = latest
        day = self._store.load(instrument.exchange, instrument.symbol, interval, day_start, latest + 1)
        before = self._store.last_timestamp(instrument.exchange, instrument.symbol, interval, day_start - 1)
        prev_close = float(day.open[0])
        if before is not None:
            prev = self._store.load(instrument.exchange, instrument.symbol, interval, before, before + 1)
            prev_close = float(prev.close[0])
        factor = self._factor(instrument) if factor is None else factor
        return self._scaled(day, instrument, factor), _round(prev_close * factor, instrument.tick_size)

    def _imported_history(
        self,
        instrument: Instrument,
        *,
        grid: SessionGrid,
        interval: str,
        start: date,
        end: date,
        imported: frozenset[str],
    ) -> Candles:
        now = self._clock.now()
        ex, sym = instrument.exchange, instrument.symbol
        if interval == "D" and "D" in imported:
            local_today = epoch_day((now + timedelta(seconds=IST_OFFSET_S)).date())
            last = min(epoch_day(end), local_today)
            daily = self._store.load(
                ex, sym, "D", epoch_day(start) * SECONDS_PER_DAY, (last + 1) * SECONDS_PER_DAY
            )
            return self._scaled(daily, instrument)
        if "1m" not in imported:
            return Candles()  # only daily candles were imported: no intraday history exists
        first = epoch_day(start) * SECONDS_PER_DAY - IST_OFFSET_S
        last = min((epoch_day(end) + 1) * SECONDS_PER_DAY - IST_OFFSET_S, _epoch(now) + 1)
        minutes = self._store.load(ex, sym, "1m", first, last)
        return aggregate(self._scaled(minutes, instrument), grid, interval)


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())
