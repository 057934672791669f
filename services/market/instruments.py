"""Instruments: the shipped instrument file, its parsing (futures expand into live contracts) and the index.

The file (``data/instruments/instruments.csv``) is the sandbox's master contract. Futures rows name
an expiry rule instead of fixed dates, so the list never goes stale: each row expands into the next
few monthly contracts as of the day it is loaded.
"""

from __future__ import annotations

import calendar
import csv
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from services.calendar.exchanges import SESSIONS
from services.errors import ConfigurationError, InvalidInput

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_INSTRUMENT_FILE = PROJECT_ROOT / "data" / "instruments" / "instruments.csv"

_COLUMNS = (
    "exchange",
    "symbol",
    "name",
    "instrumenttype",
    "lotsize",
    "tick_size",
    "base_price",
    "underlying",
    "expiry_rule",
    "contracts",
)
_TUESDAY = 1


@dataclass(frozen=True)
class Instrument:
    """One tradable (or, for indices, quotable) symbol of the master contract."""

    exchange: str
    symbol: str
    name: str
    instrumenttype: str
    lotsize: int
    tick_size: float
    base_price: float
    token: str
    underlying: str | None = None
    expiry: date | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.exchange, self.symbol)

    @property
    def tradable(self) -> bool:
        """Indices can be quoted but not traded."""
        return not self.exchange.endswith("_INDEX")

    @property
    def is_derivative(self) -> bool:
        return self.instrumenttype == "FUT"

    @property
    def expiry_text(self) -> str:
        """OpenAlgo's master-contract expiry format (``25-NOV-26``), empty for non-derivatives."""
        return "" if self.expiry is None else self.expiry.strftime("%d-%b-%y").upper()


def _token(exchange: str, symbol: str) -> str:
    return str(zlib.crc32(f"{exchange}:{symbol}".encode()) % 10_000_000)


def _month_expiry(year: int, month: int, rule: str) -> date:
    last_day = calendar.monthrange(year, month)[1]
    if rule == "last-tuesday":
        day = date(year, month, last_day)
        return day - timedelta(days=(day.weekday() - _TUESDAY) % 7)
    if rule.startswith("day-"):
        day = date(year, month, min(int(rule.removeprefix("day-")), last_day))
        while day.weekday() >= 5:  # an expiry on a weekend moves to the Friday before
            day -= timedelta(days=1)
        return day
    raise ValueError(f"unknown expiry rule {rule!r} (use last-tuesday or day-NN)")


def monthly_expiries(rule: str, today: date, count: int) -> list[date]:
    """The next ``count`` monthly expiries on or after ``today``."""
    expiries: list[date] = []
    year, month = today.year, today.month
    while len(expiries) < count:
        expiry = _month_expiry(year, month, rule)
        if expiry >= today:
            expiries.append(expiry)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return expiries


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        lines = [(n, line) for n, line in enumerate(handle, start=1) if not line.lstrip().startswith("#")]
    reader = csv.DictReader(line for _n, line in lines)
    if tuple(reader.fieldnames or ()) != _COLUMNS:
        raise ConfigurationError(f"{path}: the header must be {','.join(_COLUMNS)}")
    for (number, _line), row in zip(lines[1:], reader, strict=True):
        yield number, {k: (v or "").strip() for k, v in row.items()}


def _parse_row(row: dict[str, str]) -> Instrument:
    exchange = row["exchange"].upper()
    if exchange not in SESSIONS:
        raise ValueError(f"unknown exchange {exchange!r}")
    if not row["symbol"]:
        raise ValueError("empty symbol")
    lotsize = int(row["lotsize"])
    tick = float(row["tick_size"])
    base = float(row["base_price"]) if row["base_price"] else 0.0
    if lotsize < 1 or tick <= 0 or base < 0:
        raise ValueError("lotsize must be >= 1, tick_size > 0 and base_price >= 0")
    if not base and not row["underlying"]:
        raise ValueError("a base_price or an underlying is required")
    return Instrument(
        exchange=exchange,
        symbol=row["symbol"],
        name=row["name"] or row["symbol"],
        instrumenttype=row["instrumenttype"].upper() or "EQ",
        lotsize=lotsize,
        tick_size=tick,
        base_price=base,
        token=_token(exchange, row["symbol"]),
        underlying=row["underlying"] or None,
    )


def load_instrument_file(path: Path, today: date) -> list[Instrument]:
    """Parse the instrument file; futures rows become their next monthly contracts as of ``today``."""
    plain: list[Instrument] = []
    futures: list[tuple[Instrument, str, int]] = []
    for number, row in _rows(path):
        try:
            instrument = _parse_row(row)
            if instrument.instrumenttype == "FUT":
                futures.append((instrument, row["expiry_rule"], int(row["contracts"] or "3")))
                monthly_expiries(row["expiry_rule"], today, 1)  # validates the rule early
            else:
                plain.append(instrument)
        except (ValueError, KeyError) as exc:
            raise ConfigurationError(f"{path.name} line {number}: {exc}") from None
    by_key = {i.key: i for i in plain}
    expanded: list[Instrument] = []
    for future, rule, count in futures:
        base = future.base_price
        if future.underlying:
            exchange, _, symbol = future.underlying.partition(":")
            underlying = by_key.get((exchange.upper(), symbol))
            if underlying is None:
                raise ConfigurationError(f"{path.name}: {future.symbol} follows unknown {future.underlying}")
            base = underlying.base_price
        for expiry in monthly_expiries(rule, today, count):
            symbol = f"{future.symbol}{expiry.strftime('%d%b%y').upper()}FUT"
            expanded.append(
                replace(
                    future,
                    symbol=symbol,
                    name=future.symbol,
                    base_price=base,
                    token=_token(future.exchange, symbol),
                    expiry=expiry,
                )
            )
    return plain + expanded


class InstrumentIndex:
    """Instruments by (exchange, symbol): the lookups every market-data and order call makes."""

    def __init__(self, instruments: Iterable[Instrument] = ()) -> None:
        self._by_key: dict[tuple[str, str], Instrument] = {}
        for instrument in instruments:
            if instrument.key in self._by_key:
                raise ConfigurationError(f"Duplicate instrument {instrument.exchange}:{instrument.symbol}")
            self._by_key[instrument.key] = instrument

    def __len__(self) -> int:
        return len(self._by_key)

    def __iter__(self) -> Iterator[Instrument]:
        return iter(self._by_key.values())

    def get(self, exchange: str, symbol: str) -> Instrument | None:
        return self._by_key.get((exchange.upper(), symbol))

    def require(self, exchange: str, symbol: str) -> Instrument:
        """The instrument, or an InvalidInput naming the unknown symbol."""
        instrument = self.get(exchange, symbol)
        if instrument is None:
            raise InvalidInput(
                f"Unknown symbol {symbol!r} on {exchange}.",
                fields={"symbol": f"{symbol!r} is not in the master contract for {exchange}"},
            )
        return instrument

    def by_exchange(self, exchange: str | None) -> list[Instrument]:
        wanted = exchange.upper() if exchange else None
        return [i for i in self._by_key.values() if wanted is None or i.exchange == wanted]

    def search(self, query: str, exchange: str | None = None, limit: int = 50) -> list[Instrument]:
        """Instruments whose symbol or name contains ``query`` (case-insensitive), best matches first."""
        needle = query.strip().upper()
        if not needle:
            return []
        hits = [
            i for i in self.by_exchange(exchange) if needle in i.symbol.upper() or needle in i.name.upper()
        ]
        hits.sort(key=lambda i: (not i.symbol.upper().startswith(needle), i.symbol, i.exchange))
        return hits[:limit]
