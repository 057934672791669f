"""Import next year's exchange calendar: ``python -m services.calendar.import_calendar 2027.json``.

The file is validated strictly first (see ``calendar_file``); on any problem every one is listed
and nothing is changed. A year that is already loaded with a different list is only overwritten
with ``--replace``. ``--check`` validates without touching the database. The database is the
host's (``DATABASE_URL`` / ``DATA_DIR`` from the environment or ``.env``) unless
``--database-url`` names another.

Exit codes: 0 done (or already up to date), 2 invalid file or settings, 3 refused (use --replace).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from database.engine import Database
from database.migrate import upgrade_to_head
from services.calendar.exchange_calendar import EntryKind
from services.calendar.store import CalendarStore
from services.calendar.year_file import CalendarYear, read_calendar_file
from services.clock import Clock, SystemClock
from services.errors import ConfigurationError, Conflict, InvalidInput
from services.settings import Settings

EXIT_OK = 0
EXIT_INVALID = 2
EXIT_REFUSED = 3


def main(
    argv: Sequence[str] | None = None,
    *,
    settings: Settings | None = None,
    clock: Clock | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = _parser().parse_args(argv)
    path = Path(args.file)
    try:
        data = read_calendar_file(path)
    except InvalidInput as exc:
        print(f"error: {exc.message}", file=err)
        for where, what in exc.fields.items():
            print(f"  {where}: {what}", file=err)
        return EXIT_INVALID
    if args.check:
        print(f"{path.name} is valid: {_summary(data)}. Nothing was imported (--check).", file=out)
        return EXIT_OK

    try:
        url = args.database_url or _host_database_url(settings)
    except ConfigurationError as exc:
        print(f"error: {exc.message}", file=err)
        return EXIT_INVALID
    db = Database.from_url(url)
    try:
        upgrade_to_head(db.engine)  # a host that never ran on this database has no tables yet
        outcome = CalendarStore(db, clock or SystemClock()).import_year(
            data, file_name=path.name, replace=args.replace
        )
    except Conflict as exc:
        print(f"refused: {exc.message}", file=err)
        return EXIT_REFUSED
    finally:
        db.dispose()
    print(
        f"{data.year}: {outcome} from {path.name} ({_summary(data)}). A running host uses it once it "
        "reloads its calendar (at the latest after a restart).",
        file=out,
    )
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m services.calendar.import_calendar",
        description="Validate a yearly exchange-calendar file and load it into the host's database.",
    )
    parser.add_argument("file", help="the calendar file, e.g. data/calendar/2027.json")
    parser.add_argument("--replace", action="store_true", help="overwrite a year that is already loaded")
    parser.add_argument("--check", action="store_true", help="only validate the file")
    parser.add_argument("--database-url", help="database to import into (default: the host's)")
    return parser


def _host_database_url(settings: Settings | None) -> str:
    settings = settings or Settings.from_env()
    if settings.database_url is None:
        settings.db_dir.mkdir(parents=True, exist_ok=True)  # the default SQLite file lives here
    return settings.effective_database_url


def _summary(data: CalendarYear) -> str:
    """Counted in days (a holiday of eight exchanges is one holiday), for a quick sanity check."""
    days = {kind: len({e.day for e in data.entries if e.kind is kind}) for kind in EntryKind}
    first, last = data.entries[0].day, data.entries[-1].day
    return (
        f"trading holidays: {days[EntryKind.TRADING_HOLIDAY]}, "
        f"special sessions: {days[EntryKind.SPECIAL_SESSION]}, "
        f"settlement holidays: {days[EntryKind.SETTLEMENT_HOLIDAY]}, {first} to {last}"
    )


if __name__ == "__main__":  # pragma: no cover - exercised through `python -m` in the tests
    sys.exit(main())
