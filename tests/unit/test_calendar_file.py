"""Calendar files are read strictly: every problem is named, and a bad file yields nothing."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from services.calendar.exchange_calendar import EntryKind
from services.calendar.year_file import (
    parse_calendar_document,
    read_calendar_file,
    shipped_calendar_files,
)
from services.errors import InvalidInput
from tests.support.schedules import SHIPPED_2026

GOOD: dict[str, Any] = {
    "format": 1,
    "year": 2027,
    "title": "test",
    "notes": ["n"],
    "sources": ["s"],
    "entries": [
        {
            "date": "2027-01-26",
            "kind": "trading_holiday",
            "description": "Republic Day",
            "exchanges": ["NSE", "MCX"],
        },
        {
            "date": "2027-03-22",
            "kind": "special_session",
            "description": "Evening session only",
            "exchanges": ["MCX"],
            "open": "17:00",
            "close": "23:55",
        },
        {"date": "2027-03-22", "kind": "trading_holiday", "description": "Holi", "exchanges": ["NSE", "MCX"]},
        {
            "date": "2027-02-19",
            "kind": "settlement_holiday",
            "description": "Shivaji Jayanti",
            "exchanges": ["NSE"],
        },
    ],
}


def problems_of(document: object) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        parse_calendar_document(document, name="2027.json")
    assert "nothing was changed" in caught.value.message or caught.value.fields
    return caught.value.fields


def changed(**entry_changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(GOOD)
    document["entries"][1].update(entry_changes)
    return document


def test_the_shipped_files_are_valid_and_one_per_year() -> None:
    files = shipped_calendar_files()
    assert SHIPPED_2026 in files
    for path in files:
        assert read_calendar_file(path).year == int(path.stem)


def test_the_shipped_file_says_which_timings_are_assumed() -> None:
    notes = " ".join(json.loads(SHIPPED_2026.read_text())["notes"])
    assert "ASSUMED TIMING" in notes and "Muhurat" in notes


def test_a_good_document_expands_to_one_entry_per_exchange() -> None:
    year = parse_calendar_document(GOOD)
    assert year.year == 2027
    assert len(year.entries) == 6
    assert {(e.exchange, e.kind) for e in year.entries if str(e.day) == "2027-03-22"} == {
        ("NSE", EntryKind.TRADING_HOLIDAY),
        ("MCX", EntryKind.TRADING_HOLIDAY),
        ("MCX", EntryKind.SPECIAL_SESSION),
    }


def test_the_digest_ignores_order_and_layout() -> None:
    reordered = copy.deepcopy(GOOD)
    reordered["entries"].reverse()
    reordered["notes"] = ["other notes"]
    assert parse_calendar_document(reordered).digest == parse_calendar_document(GOOD).digest
    different = changed(close="23:30")
    assert parse_calendar_document(different).digest != parse_calendar_document(GOOD).digest


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"date": "2026-03-22"}, "entries[1].date"),  # not in the file's year
        ({"date": "2027-3-22"}, "entries[1].date"),
        ({"date": "2027-02-30"}, "entries[1].date"),
        ({"kind": "half_day"}, "entries[1].kind"),
        ({"description": ""}, "entries[1].description"),
        ({"description": "x" * 201}, "entries[1].description"),
        ({"exchanges": []}, "entries[1].exchanges"),
        ({"exchanges": ["CRYPTO"]}, "entries[1].exchanges"),
        ({"exchanges": ["NYSE"]}, "entries[1].exchanges"),
        ({"exchanges": ["MCX", "MCX"]}, "entries[1].exchanges"),
        ({"exchanges": "MCX"}, "entries[1].exchanges"),
        ({"open": "5 pm"}, "entries[1].open"),
        ({"close": "24:00"}, "entries[1].close"),
        ({"open": "23:55", "close": "17:00"}, "entries[1].close"),
        ({"colse": "23:55"}, "entries[1].colse"),  # a typo must not silently drop a field
    ],
)
def test_each_bad_entry_field_is_named(change: dict[str, Any], where: str) -> None:
    assert where in problems_of(changed(**change))


def test_a_special_session_needs_times_and_a_holiday_has_none() -> None:
    document = copy.deepcopy(GOOD)
    del document["entries"][1]["open"]
    document["entries"][0]["close"] = "15:30"
    problems = problems_of(document)
    assert "entries[1].open" in problems
    assert "entries[0].close" in problems


def test_top_level_problems_are_named() -> None:
    document = copy.deepcopy(GOOD)
    document.update({"format": 2, "year": "2027", "extra": 1, "notes": "text"})
    problems = problems_of(document)
    assert {"format", "year", "extra", "notes"} <= set(problems)
    assert "entries" in problems_of({**GOOD, "entries": []})
    assert "file" in problems_of([GOOD])


def test_contradictions_between_entries_are_refused() -> None:
    document = copy.deepcopy(GOOD)
    document["entries"].append(copy.deepcopy(document["entries"][0]))  # Republic Day twice
    document["entries"].append(
        {
            "date": "2027-03-22",
            "kind": "special_session",
            "description": "Overlapping",
            "exchanges": ["MCX"],
            "open": "18:00",
            "close": "19:00",
        }
    )
    problems = problems_of(document)
    assert "2027-01-26.NSE" in problems
    assert "2027-03-22.MCX" in problems


def test_every_problem_is_reported_at_once() -> None:
    document = copy.deepcopy(GOOD)
    document["entries"][0]["date"] = "yesterday"
    document["entries"][2]["exchanges"] = ["NYSE"]
    document["entries"][3]["kind"] = "bank_holiday"
    assert {"entries[0].date", "entries[2].exchanges", "entries[3].kind"} <= set(problems_of(document))


def test_unreadable_or_non_json_files_are_refused_with_the_position(tmp_path: Path) -> None:
    broken = tmp_path / "2027.json"
    broken.write_text('{"format": 1,\n "year": 2027,,}')
    with pytest.raises(InvalidInput) as caught:
        read_calendar_file(broken)
    assert caught.value.details["line"] == 2
    with pytest.raises(InvalidInput):
        read_calendar_file(tmp_path / "missing.json")
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InvalidInput):
        read_calendar_file(binary)
