"""Command: import an OHLCV CSV for a symbol; the sandbox then serves it instead of simulated data.

    python -m services.market.ohlcv_import NSE RELIANCE reliance_1m.csv

Uses the host's settings (DATA_DIR / DATABASE_URL from the environment or .env). A running host
picks the data up on its next quote or history call.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from database.engine import Database
from database.migrate import upgrade_to_head
from services.calendar.exchanges import SESSIONS
from services.clock import IST
from services.errors import HostError
from services.market.ohlcv_store import OhlcvStore
from services.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m services.market.ohlcv_import",
        description="Import OHLCV candles (1-minute or daily) for one symbol into the sandbox.",
    )
    parser.add_argument("exchange", type=str.upper, choices=sorted(SESSIONS), help="exchange code, e.g. NSE")
    parser.add_argument("symbol", type=str.upper, help="OpenAlgo symbol, e.g. RELIANCE")
    parser.add_argument("csv", type=Path, help="CSV with timestamp, open, high, low, close, volume[, oi]")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        settings.ensure_dirs()
        db = Database.from_url(settings.effective_database_url)
        try:
            upgrade_to_head(db.engine, broker=settings.broker)
            result = OhlcvStore(db).import_csv(args.exchange, args.symbol, args.csv)
        finally:
            db.dispose()
    except HostError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    first = _when(result.first, result.interval)
    last = _when(result.last, result.interval)
    print(
        f"Imported {result.rows} {result.interval} candles for {result.exchange}:{result.symbol} "
        f"({first} to {last})."
    )
    return 0


def _when(stamp: int, interval: str) -> str:
    moment = datetime.fromtimestamp(stamp, UTC)
    return (
        moment.date().isoformat()
        if interval == "D"
        else moment.astimezone(IST).strftime("%Y-%m-%d %H:%M IST")
    )


if __name__ == "__main__":
    sys.exit(main())
