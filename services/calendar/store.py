"""The exchange calendar in the database: shipped years synced at start, trader imports, loading.

- ``sync_shipped`` runs at every host start. It writes each shipped year (``data/calendar/*.json``)
  that is missing, and rewrites a shipped year whose file changed (a project update corrected it).
  It never overwrites a year the trader imported: their list wins. A second run changes nothing.
- ``import_year`` writes a validated year in one transaction (all of it or nothing).
- ``load`` builds the immutable ``ExchangeCalendar`` the policy reads; ``version`` is a cheap token
  that changes whenever a year is written, so a running host can notice an import and reload.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from database.engine import Database
from database.models.calendar import SOURCE_IMPORTED, SOURCE_SHIPPED, CalendarDay
from database.models.calendar import CalendarYear as CalendarYearRow
from services.calendar.exchange_calendar import CalendarEntry, EntryKind, ExchangeCalendar
from services.calendar.year_file import CalendarYear, read_calendar_file, shipped_calendar_files
from services.clock import Clock
from services.errors import ConfigurationError, Conflict, InvalidInput

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    ADDED = "added"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"
    KEPT_IMPORTED = "kept imported"  # a shipped year left alone: the trader imported their own


@dataclass(frozen=True)
class LoadedYear:
    year: int
    source: str
    file_name: str
    digest: str
    loaded_at: datetime


class CalendarStore:
    """Reads and writes the calendar tables; builds ExchangeCalendar values."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def load(self) -> ExchangeCalendar:
        """The calendar as stored now (years without a list trade on regular sessions)."""
        with self._db.session() as session:
            years = list(session.scalars(select(CalendarYearRow.year)))
            rows = list(session.scalars(select(CalendarDay)))
        return ExchangeCalendar((_entry(row) for row in rows), years)

    def loaded_years(self) -> list[LoadedYear]:
        with self._db.session() as session:
            rows = session.scalars(select(CalendarYearRow).order_by(CalendarYearRow.year))
            return [LoadedYear(r.year, r.source, r.file_name, r.digest, r.loaded_at) for r in rows]

    def version(self) -> str:
        """A token that changes whenever any year is added, replaced or removed."""
        with self._db.session() as session:
            rows = session.execute(
                select(CalendarYearRow.year, CalendarYearRow.digest).order_by(CalendarYearRow.year)
            ).all()
        return hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()[:16]

    def sync_shipped(self, files: Sequence[Path] | None = None) -> dict[int, Outcome]:
        """Bring the shipped years into the database (idempotent); returns what happened per year."""
        outcomes: dict[int, Outcome] = {}
        for path in shipped_calendar_files() if files is None else files:
            try:
                data = read_calendar_file(path)
            except InvalidInput as exc:
                # Shipped data is tested; a broken file must stop the host, not drop holidays.
                problems = "; ".join(f"{where}: {what}" for where, what in exc.fields.items())
                raise ConfigurationError(f"Shipped calendar {path}: {exc.message} {problems}") from exc
            outcomes[data.year] = self._sync_one(data, path.name)
        return outcomes

    def import_year(self, data: CalendarYear, *, file_name: str, replace: bool = False) -> Outcome:
        """Store a year the trader imported. Conflict when the year holds a different list and
        ``replace`` is false; nothing is changed then."""
        with self._db.session() as session:
            existing = session.get(CalendarYearRow, data.year)
            if existing is not None and existing.digest == data.digest:
                if existing.source != SOURCE_IMPORTED:
                    existing.source = SOURCE_IMPORTED  # the trader now owns this year's list
                    existing.file_name = file_name
                return Outcome.UNCHANGED
            if existing is not None and not replace:
                raise Conflict(
                    f"{data.year} is already loaded (from {existing.file_name}, {existing.source}) with a "
                    f"different list; import again with --replace to overwrite it.",
                    details={"year": data.year},
                )
            self._write(session, data, SOURCE_IMPORTED, file_name)
            outcome = Outcome.ADDED if existing is None else Outcome.REPLACED
        log.info("Calendar %s: %s from %s (%d entries)", data.year, outcome, file_name, len(data.entries))
        return outcome

    def _sync_one(self, data: CalendarYear, file_name: str) -> Outcome:
        try:
            with self._db.session() as session:
                existing = session.get(CalendarYearRow, data.year)
                if existing is not None and existing.source == SOURCE_IMPORTED:
                    return Outcome.KEPT_IMPORTED
                if existing is not None and existing.digest == data.digest:
                    return Outcome.UNCHANGED
                self._write(session, data, SOURCE_SHIPPED, file_name)
                outcome = Outcome.ADDED if existing is None else Outcome.REPLACED
        except IntegrityError:
            # Another host process sharing this database wrote the same year at the same moment.
            log.info("Calendar %s was written concurrently by another process", data.year)
            return Outcome.UNCHANGED
        log.info("Calendar %s: %s from shipped %s", data.year, outcome, file_name)
        return outcome

    def _write(self, session: Session, data: CalendarYear, source: str, file_name: str) -> None:
        """Replace ``data.year`` completely, inside the caller's transaction."""
        session.execute(delete(CalendarDay).where(CalendarDay.year == data.year))
        session.execute(delete(CalendarYearRow).where(CalendarYearRow.year == data.year))
        session.add(
            CalendarYearRow(
                year=data.year,
                source=source,
                file_name=file_name,
                digest=data.digest,
                loaded_at=self._clock.now(),
            )
        )
        session.flush()  # the year row first: days reference it
        session.add_all(
            CalendarDay(
                year=data.year,
                exchange=entry.exchange,
                day=entry.day,
                kind=entry.kind.value,
                description=entry.description,
                session_open=entry.open,
                session_close=entry.close,
            )
            for entry in data.entries
        )


def _entry(row: CalendarDay) -> CalendarEntry:
    return CalendarEntry(
        exchange=row.exchange,
        day=row.day,
        kind=EntryKind(row.kind),
        description=row.description,
        open=row.session_open,
        close=row.session_close,
    )
