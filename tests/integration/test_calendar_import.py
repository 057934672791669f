"""``python -m services.calendar.import_calendar``: next year's list in, strictly, or nothing."""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from database.engine import Database
from services.calendar.import_calendar import main
from services.calendar.store import CalendarStore
from services.settings import PROJECT_ROOT, Settings
from tests.support.schedules import SHIPPED_2026

NEXT_YEAR: dict[str, Any] = {
    "format": 1,
    "year": 2027,
    "title": "Test list for 2027",
    "entries": [
        {
            "date": "2027-01-26",
            "kind": "trading_holiday",
            "description": "Republic Day",
            "exchanges": ["NSE", "MCX"],
        },
        {"date": "2027-03-22", "kind": "trading_holiday", "description": "Holi", "exchanges": ["NSE", "MCX"]},
        {
            "date": "2027-03-22",
            "kind": "special_session",
            "description": "Evening session only",
            "exchanges": ["MCX"],
            "open": "17:00",
            "close": "23:55",
        },
    ],
}


def write(tmp_path: Path, document: object, name: str = "2027.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def run(args: list[str], settings: Settings) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(args, settings=settings, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def settings_for(tmp_path: Path) -> Settings:
    return Settings.from_env(environ={}, dotenv_path=tmp_path / "none.env", data_dir=tmp_path / "data")


def store_for(settings: Settings) -> tuple[Database, CalendarStore]:
    db = Database.from_url(settings.effective_database_url)
    return db, CalendarStore(db, clock=_Clock())


class _Clock:
    def now(self) -> datetime:
        return datetime(2026, 12, 1, tzinfo=UTC)

    def monotonic(self) -> float:
        return 0.0


def test_next_years_list_is_imported_into_the_hosts_database(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    code, out, err = run([str(write(tmp_path, NEXT_YEAR))], settings)
    assert (code, err) == (0, "")
    assert out.startswith(
        "2027: added from 2027.json (trading holidays: 2, special sessions: 1, settlement holidays: 0"
    )
    db, store = store_for(settings)
    try:
        calendar = store.load()
        assert calendar.reason_closed("NSE", date(2027, 3, 22)) == "NSE holiday: Holi"
        assert calendar.note_on("MCX", date(2027, 3, 22)) == "MCX holiday: Holi (open 17:00–23:55 IST only)"
        assert [(y.year, y.source) for y in store.loaded_years()] == [(2027, "imported")]
    finally:
        db.dispose()
    # Importing the same file again is a no-op.
    code, out, _ = run([str(write(tmp_path, NEXT_YEAR))], settings)
    assert (code, out.split(" from ")[0]) == (0, "2027: unchanged")


def test_an_invalid_file_changes_nothing_and_names_every_problem(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    assert run([str(write(tmp_path, NEXT_YEAR))], settings)[0] == 0
    db, store = store_for(settings)
    before = store.version()
    bad = copy.deepcopy(NEXT_YEAR)
    bad["entries"][0]["date"] = "2027-02-30"
    bad["entries"][1]["exchanges"] = ["NSE", "CRYPTO"]
    bad["entries"][2]["close"] = "24:00"
    bad["entries"].append(
        {"date": "2027-08-16", "kind": "trading_holiday", "description": "New", "exchanges": ["NSE"]}
    )
    code, out, err = run([str(write(tmp_path, bad, "bad.json"))], settings)
    try:
        assert code == 2
        assert out == ""
        assert "nothing was changed" in err
        for where in ("entries[0].date", "entries[1].exchanges", "entries[2].close"):
            assert where in err
        assert store.version() == before  # the valid extra holiday was not half-imported
        assert store.load().is_trading_day("NSE", date(2027, 8, 16))
    finally:
        db.dispose()


def test_a_loaded_year_is_replaced_only_when_asked(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    run([str(write(tmp_path, NEXT_YEAR))], settings)
    changed = copy.deepcopy(NEXT_YEAR)
    changed["entries"][0]["description"] = "Republic Day (corrected)"
    path = write(tmp_path, changed, "2027-fixed.json")
    code, _, err = run([str(path)], settings)
    assert code == 3
    assert "--replace" in err
    code, out, _ = run([str(path), "--replace"], settings)
    assert code == 0
    assert out.startswith("2027: replaced")
    db, store = store_for(settings)
    try:
        assert store.load().reason_closed("NSE", date(2027, 1, 26)) == "NSE holiday: Republic Day (corrected)"
    finally:
        db.dispose()


def test_check_only_validates(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    code, out, _ = run([str(SHIPPED_2026), "--check"], settings)
    assert code == 0
    assert "2026.json is valid" in out
    assert not (tmp_path / "data" / "db").exists()


def test_the_command_runs_as_a_module(tmp_path: Path) -> None:
    path = write(tmp_path, NEXT_YEAR)
    url = f"sqlite:///{tmp_path / 'other.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "services.calendar.import_calendar", str(path), "--database-url", url],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "2027: added" in result.stdout
    db = Database.from_url(url)
    try:
        assert not CalendarStore(db, _Clock()).load().is_trading_day("NSE", date(2027, 1, 26))
    finally:
        db.dispose()
