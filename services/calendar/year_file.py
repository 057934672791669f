"""Strict reader of a yearly exchange-calendar file (``data/calendar/2026.json``).

A file holds one year::

    {"format": 1, "year": 2026, "title": "...", "notes": ["..."], "sources": ["..."],
     "entries": [{"date": "2026-04-14", "kind": "trading_holiday",
                  "description": "Dr. Baba Saheb Ambedkar Jayanti", "exchanges": ["NSE", "BSE"]},
                 {"date": "2026-04-14", "kind": "special_session", "description": "Evening session",
                  "exchanges": ["MCX"], "open": "17:00", "close": "23:55"}]}

Everything is checked and every problem reported at once (``InvalidInput.fields`` maps a location
such as ``entries[3].date`` to what is wrong), because a wrong holiday list starts or skips real
trading. Unknown keys are errors too: a typo must not silently drop a holiday.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

from services.calendar.exchange_calendar import CalendarEntry, EntryKind
from services.calendar.exchanges import STRATEGY_EXCHANGES
from services.calendar.timefmt import format_hhmm, parse_hhmm
from services.errors import InvalidInput

FORMAT_VERSION = 1
#: Exchanges a calendar file may name; CRYPTO trades every day and has no calendar.
CALENDAR_EXCHANGES = tuple(code for code in STRATEGY_EXCHANGES if code != "CRYPTO")
#: The calendar files that ship with the project, one per year.
SHIPPED_DIR = Path(__file__).resolve().parents[2] / "data" / "calendar"
MAX_FILE_BYTES = 1_000_000
MAX_DESCRIPTION = 200

_TOP_KEYS = {"format", "year", "title", "notes", "sources", "entries"}
_ENTRY_KEYS = {"date", "kind", "description", "exchanges", "open", "close"}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class CalendarYear:
    """One validated year: its entries and a digest of their content (not of the formatting)."""

    year: int
    entries: tuple[CalendarEntry, ...]
    digest: str


def read_calendar_file(path: Path) -> CalendarYear:
    """Read and validate ``path``; InvalidInput (nothing half-read) when anything is wrong."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InvalidInput(
                f"{path.name} is larger than {MAX_FILE_BYTES} bytes.", fields={"file": "too large"}
            )
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(
            f"Cannot read {path}: {exc.strerror or exc}.", fields={"file": "unreadable"}
        ) from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path.name} is not UTF-8 text.", fields={"file": "not UTF-8"}) from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{path.name} is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}.",
            fields={"file": "invalid JSON"},
            details={"line": exc.lineno, "column": exc.colno},
        ) from exc
    return parse_calendar_document(document, name=path.name)


def shipped_calendar_files(folder: Path = SHIPPED_DIR) -> list[Path]:
    """The yearly files shipped with the project, oldest year first."""
    return sorted(folder.glob("[0-9][0-9][0-9][0-9].json"))


def parse_calendar_document(document: object, *, name: str = "calendar") -> CalendarYear:
    """Validate a decoded calendar document (see the module docstring for its shape)."""
    problems: dict[str, str] = {}
    if not isinstance(document, Mapping):
        raise InvalidInput(
            f"{name}: expected a JSON object at the top.", fields={"file": "expected an object"}
        )
    for key in sorted(set(document) - _TOP_KEYS):
        problems[key] = f"unknown key (allowed: {', '.join(sorted(_TOP_KEYS))})"
    if document.get("format") != FORMAT_VERSION or isinstance(document.get("format"), bool):
        problems["format"] = f"must be {FORMAT_VERSION}"
    year = document.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        problems["year"] = "must be a year such as 2027"
        year = None
    for key in ("title",):
        if key in document and not isinstance(document[key], str):
            problems[key] = "must be text"
    for key in ("notes", "sources"):
        value = document.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            problems[key] = "must be a list of texts"
    raw_entries = document.get("entries")
    entries: list[CalendarEntry] = []
    if not isinstance(raw_entries, list) or not raw_entries:
        problems["entries"] = "must be a non-empty list of holidays and special sessions"
    else:
        for index, raw in enumerate(raw_entries):
            entries.extend(_entry(raw, f"entries[{index}]", year, problems))
        _check_consistency(entries, problems)
    if problems or year is None:
        raise InvalidInput(
            f"{name} is not a valid calendar file ({len(problems)} problem(s)); nothing was changed.",
            fields=problems,
        )
    ordered = tuple(sorted(entries, key=_sort_key))
    return CalendarYear(year=year, entries=ordered, digest=calendar_digest(ordered))


def calendar_digest(entries: tuple[CalendarEntry, ...] | list[CalendarEntry]) -> str:
    """A digest of the entries' content, the same whatever their order or the file's layout."""
    rows = [
        [e.day.isoformat(), e.exchange, e.kind.value, e.description, _text(e.open), _text(e.close)]
        for e in sorted(entries, key=_sort_key)
    ]
    return hashlib.sha256(json.dumps(rows, separators=(",", ":")).encode()).hexdigest()


def _entry(raw: object, where: str, year: int | None, problems: dict[str, str]) -> list[CalendarEntry]:
    if not isinstance(raw, Mapping):
        problems[where] = "must be an object"
        return []
    before = len(problems)
    for key in sorted(set(raw) - _ENTRY_KEYS):
        problems[f"{where}.{key}"] = f"unknown key (allowed: {', '.join(sorted(_ENTRY_KEYS))})"
    day = _date(raw.get("date"), f"{where}.date", year, problems)
    kind = _kind(raw.get("kind"), f"{where}.kind", problems)
    description = raw.get("description")
    if not isinstance(description, str) or not description.strip() or len(description) > MAX_DESCRIPTION:
        problems[f"{where}.description"] = f"must be text of 1 to {MAX_DESCRIPTION} characters"
    exchanges = _exchanges(raw.get("exchanges"), f"{where}.exchanges", problems)
    opens, closes = _session(raw, where, kind, problems)
    if len(problems) > before or day is None or kind is None or not isinstance(description, str):
        return []
    return [CalendarEntry(exchange, day, kind, description.strip(), opens, closes) for exchange in exchanges]


def _date(raw: object, where: str, year: int | None, problems: dict[str, str]) -> date | None:
    try:
        if not isinstance(raw, str) or not _DATE.fullmatch(raw):
            raise ValueError
        day = date.fromisoformat(raw)
    except ValueError:
        problems[where] = "must be a date as YYYY-MM-DD"
        return None
    if year is not None and day.year != year:
        problems[where] = f"{raw} is not in {year}, the year of this file"
        return None
    return day


def _kind(raw: object, where: str, problems: dict[str, str]) -> EntryKind | None:
    if isinstance(raw, str) and raw in {kind.value for kind in EntryKind}:
        return EntryKind(raw)
    problems[where] = f"must be one of {', '.join(kind.value for kind in EntryKind)}"
    return None


def _exchanges(raw: object, where: str, problems: dict[str, str]) -> list[str]:
    if not isinstance(raw, list) or not raw or not all(isinstance(item, str) for item in raw):
        problems[where] = f"must be a non-empty list of exchange codes ({', '.join(CALENDAR_EXCHANGES)})"
        return []
    if "CRYPTO" in raw:
        problems[where] = "CRYPTO trades every day: it has no holidays or special sessions"
        return []
    unknown = [code for code in raw if code not in CALENDAR_EXCHANGES]
    if unknown:
        problems[where] = f"unknown exchange(s) {', '.join(unknown)} (use {', '.join(CALENDAR_EXCHANGES)})"
        return []
    if len(set(raw)) != len(raw):
        problems[where] = "lists an exchange twice"
        return []
    return list(raw)


def _session(
    raw: Mapping[str, Any], where: str, kind: EntryKind | None, problems: dict[str, str]
) -> tuple[time | None, time | None]:
    if kind is not EntryKind.SPECIAL_SESSION:
        for key in ("open", "close"):
            if key in raw:
                problems[f"{where}.{key}"] = "only a special_session has session times"
        return None, None
    times: list[time | None] = []
    for key in ("open", "close"):
        try:
            times.append(parse_hhmm(raw.get(key)))
        except ValueError as exc:
            problems[f"{where}.{key}"] = f"required for a special_session: {exc}"
            times.append(None)
    opens, closes = times
    if opens is not None and closes is not None and not opens < closes:
        problems[f"{where}.close"] = "must be later than open on the same day"
    return opens, closes


def _check_consistency(entries: list[CalendarEntry], problems: dict[str, str]) -> None:
    """One holiday of each kind per exchange and day; that day's special sessions never overlap."""
    seen: set[tuple[str, date, EntryKind]] = set()
    sessions: dict[tuple[str, date], list[tuple[time, time]]] = {}
    for entry in entries:
        if entry.kind is EntryKind.SPECIAL_SESSION and entry.open is not None and entry.close is not None:
            sessions.setdefault((entry.exchange, entry.day), []).append((entry.open, entry.close))
            continue
        key = (entry.exchange, entry.day, entry.kind)
        if key in seen:
            problems[f"{entry.day}.{entry.exchange}"] = f"two {entry.kind.value} entries on the same day"
        seen.add(key)
    for (exchange, day), spans in sessions.items():
        spans.sort()
        for (_, first_close), (second_open, _) in itertools.pairwise(spans):
            if second_open < first_close:
                problems[f"{day}.{exchange}"] = "special sessions of the same day overlap"


def _sort_key(entry: CalendarEntry) -> tuple[date, str, str, str]:
    return (entry.day, entry.exchange, entry.kind.value, _text(entry.open))


def _text(value: time | None) -> str:
    return "" if value is None else format_hhmm(value)
