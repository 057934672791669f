"""The calendar in the database: shipped years synced at start (idempotent), read back intact."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from database.engine import Database
from database.migrate import upgrade_to_head
from database.models.calendar import CalendarDay, CalendarYear
from services.calendar.store import CalendarStore, Outcome
from services.calendar.year_file import read_calendar_file
from services.errors import ConfigurationError, Conflict
from tests.support.apps import build_app, host_of
from tests.support.schedules import SHIPPED_2026, calendar_from


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 11, 21, 4, 0, tzinfo=UTC)

    def monotonic(self) -> float:
        return 0.0


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database.from_url(f"sqlite:///{tmp_path / 'calendar.db'}")
    upgrade_to_head(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def store(db: Database) -> CalendarStore:
    return CalendarStore(db, FixedClock())


def rows(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(CalendarDay)) or 0)


def test_the_migration_creates_the_calendar_tables(db: Database) -> None:
    assert {"calendar_years", "calendar_days"} <= set(inspect(db.engine).get_table_names())


def test_shipped_years_are_written_once_and_a_second_start_changes_nothing(
    db: Database, store: CalendarStore
) -> None:
    assert store.sync_shipped() == {2026: Outcome.ADDED}
    written = rows(db)
    version = store.version()
    assert written == len(read_calendar_file(SHIPPED_2026).entries)
    assert store.sync_shipped() == {2026: Outcome.UNCHANGED}
    assert rows(db) == written
    assert store.version() == version
    [loaded] = store.loaded_years()
    assert (loaded.year, loaded.source, loaded.file_name) == (2026, "shipped", "2026.json")


def test_the_calendar_read_from_the_database_equals_the_shipped_file(store: CalendarStore) -> None:
    store.sync_shipped()
    from_db = store.load()
    from_file = calendar_from()
    assert set(from_db.entries) == set(from_file.entries)
    assert from_db.has_year(2026)
    assert from_db.session_on("MCX", date(2026, 4, 14)) == [(time(17, 0), time(23, 55))]
    assert from_db.reason_closed("NSE", date(2026, 4, 14)) == "NSE holiday: Dr. Baba Saheb Ambedkar Jayanti"


def test_a_corrected_shipped_file_replaces_the_shipped_year(store: CalendarStore, tmp_path: Path) -> None:
    store.sync_shipped()
    before = store.version()
    corrected = json.loads(SHIPPED_2026.read_text())
    muhurat = next(e for e in corrected["entries"] if e["date"] == "2026-11-08")
    muhurat["open"], muhurat["close"] = "18:15", "19:15"
    path = tmp_path / "2026.json"
    path.write_text(json.dumps(corrected))
    assert store.sync_shipped([path]) == {2026: Outcome.REPLACED}
    assert store.version() != before
    assert store.load().session_on("NSE", date(2026, 11, 8)) == [(time(18, 15), time(19, 15))]


def test_a_broken_shipped_file_stops_the_start_loudly(store: CalendarStore, tmp_path: Path) -> None:
    path = tmp_path / "2026.json"
    path.write_text('{"format": 1, "year": 2026, "entries": [{"date": "2026-13-01"}]}')
    with pytest.raises(ConfigurationError, match=r"entries\[0\]\.date"):
        store.sync_shipped([path])
    assert store.loaded_years() == []


def test_an_imported_year_is_never_overwritten_by_shipped_data(store: CalendarStore, tmp_path: Path) -> None:
    store.sync_shipped()
    own = json.loads(SHIPPED_2026.read_text())
    own["entries"] = [e for e in own["entries"] if e["date"] != "2026-02-19"]
    path = tmp_path / "mine-2026.json"
    path.write_text(json.dumps(own))
    data = read_calendar_file(path)
    with pytest.raises(Conflict, match="--replace"):
        store.import_year(data, file_name=path.name)
    assert store.import_year(data, file_name=path.name, replace=True) is Outcome.REPLACED
    assert store.sync_shipped() == {2026: Outcome.KEPT_IMPORTED}
    [loaded] = store.loaded_years()
    assert (loaded.source, loaded.file_name) == ("imported", "mine-2026.json")
    assert store.load().note_on("NSE", date(2026, 2, 19)) is None


def test_deleting_a_year_removes_its_days(db: Database, store: CalendarStore) -> None:
    store.sync_shipped()
    with db.session() as session:
        session.delete(session.get(CalendarYear, 2026))
    assert rows(db) == 0


def test_the_host_loads_the_calendar_at_start(tmp_path: Path) -> None:
    app = build_app(tmp_path / "data")
    try:
        host = host_of(app)
        assert host.calendar.current().reason_closed("NSE", date(2026, 12, 25)) == "NSE holiday: Christmas"
    finally:
        host_of(app).shutdown()
    # A second start on the same data directory finds the year already there.
    again = build_app(tmp_path / "data")
    try:
        assert [y.year for y in host_of(again).calendar.store.loaded_years()] == [2026]
    finally:
        host_of(again).shutdown()
