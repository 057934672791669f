"""What a request for a strategy's log asks for, parsed from its query string.

``parse_log_query``: a read of the log — the last ``lines`` of a run (the tail), or everything after
a (file, offset) position (``?offset=&file=``). ``parse_log_position``: where a live log stream
starts — its ``Last-Event-ID`` (``file:offset``) wins over ``?file=&offset=``. Both raise
InvalidInput naming the parameter; a file name is checked against the log pattern here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.errors import InvalidInput
from services.hosting.log_reader import check_file_name

TAIL_DEFAULT_LINES = 200
#: The most lines one read returns (the log viewer opens with this many).
TAIL_MAX_LINES = 100_000


@dataclass(frozen=True)
class LogQuery:
    lines: int = TAIL_DEFAULT_LINES
    run: str | None = None
    #: Read from this (file, offset) instead of tailing; file None means the newest file.
    start: tuple[str | None, int] | None = None


def parse_log_query(args: Mapping[str, str]) -> LogQuery:
    run = args.get("run") or None
    if "offset" in args:
        file, offset = parse_log_position(args.get("offset"), args.get("file"), None)
        return LogQuery(run=run, start=(file, offset or 0))
    return LogQuery(lines=_whole_number(args, "lines", TAIL_DEFAULT_LINES, TAIL_MAX_LINES), run=run)


def parse_log_position(
    raw_offset: str | None, raw_file: str | None, last_event_id: str | None
) -> tuple[str | None, int | None]:
    """A log stream's start: ``Last-Event-ID`` (``file:offset``) wins over ``?file=&offset=``."""
    if last_event_id and ":" in last_event_id:
        name, _, offset = last_event_id.rpartition(":")
        if offset.isdigit():
            return check_file_name(name), int(offset)
    file = check_file_name(raw_file) if raw_file else None
    if raw_offset is None or raw_offset == "":
        return file, None
    if not raw_offset.isdigit():
        raise InvalidInput("offset must be a whole number of bytes.", fields={"offset": "Not a number."})
    return file, int(raw_offset)


def _whole_number(args: Mapping[str, str], name: str, default: int, high: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not 0 <= int(raw) <= high:
        raise InvalidInput(f"{name} must be a whole number from 0 to {high}.", fields={name: "Out of range."})
    return int(raw)
