"""Server-Sent Event streams for live views: strategy status events and a strategy's log.

Each stream is a plain iterator of SSE text (no web framework here). Streams are bounded so they
cannot starve the server's thread pool: ``StreamSlots`` caps how many are open at once, each
sends a heartbeat comment every ``heartbeat_s`` (a failed write is how a vanished client is
noticed) and ends after ``max_lifetime_s``; the browser's EventSource then reconnects and
resumes from ``Last-Event-ID`` without losing anything.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from services.clock import Clock
from services.errors import InvalidInput, RateLimited
from services.hosting.events import ChangeNotifier, Event, EventBus
from services.hosting.log_reader import LogReader, check_file_name

RETRY_MS = 2000


@dataclass(frozen=True)
class StreamConfig:
    heartbeat_s: float
    max_lifetime_s: float


class StreamTicket:
    """One open stream's place; released exactly once when the stream closes."""

    def __init__(self, slots: StreamSlots) -> None:
        self._slots = slots
        self._released = False
        self._lock = threading.Lock()

    def release(self) -> None:
        with self._lock:
            if self._released:
                return
            self._released = True
        self._slots.release_one()


class StreamSlots:
    """Caps the number of open streams (each holds a server thread while open)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open = 0
        self._lock = threading.Lock()

    @property
    def open(self) -> int:
        with self._lock:
            return self._open

    def acquire(self) -> StreamTicket:
        with self._lock:
            if self._open >= self.limit:
                raise RateLimited(
                    f"Too many live views are open ({self.limit}); close a tab or wait a moment."
                )
            self._open += 1
        return StreamTicket(self)

    def release_one(self) -> None:
        with self._lock:
            self._open = max(0, self._open - 1)


def sse(data: Any, event: str | None = None, event_id: str | None = None) -> str:
    """One Server-Sent Event (JSON data on a single line)."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    if event is not None:
        head += f"event: {event}\n"
    return f"{head}data: {json.dumps(data, separators=(',', ':'))}\n\n"


HEARTBEAT = ": heartbeat\n\n"


def parse_event_id(raw: str | None) -> int | None:
    """A status stream's Last-Event-ID (a sequence number); junk is ignored (start afresh)."""
    if raw is None or not raw.strip().isdigit():
        return None
    return int(raw.strip())


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


def _event_payload(event: Event) -> dict[str, Any]:
    return {"kind": event.kind, "id": event.strategy_id, "strategy": dict(event.data)}


def status_events(
    bus: EventBus,
    snapshot: Callable[[], dict[str, Any]],
    last_event_id: int | None,
    *,
    config: StreamConfig,
    clock: Clock,
) -> Iterator[str]:
    """``status`` events after ``last_event_id``; a full ``snapshot`` first when starting afresh.

    The starting point is fixed when the stream is created (not when it is first read), so
    nothing that happens in between is lost.
    """
    seq = bus.last_seq if last_event_id is None else last_event_id
    return _status_frames(bus, snapshot, seq, fresh=last_event_id is None, config=config, clock=clock)


def _status_frames(
    bus: EventBus,
    snapshot: Callable[[], dict[str, Any]],
    seq: int,
    *,
    fresh: bool,
    config: StreamConfig,
    clock: Clock,
) -> Iterator[str]:
    yield f"retry: {RETRY_MS}\n\n"
    if fresh:
        yield sse(snapshot(), "snapshot", str(seq))
    deadline = clock.monotonic() + config.max_lifetime_s
    while not bus.closed and (remaining := deadline - clock.monotonic()) > 0:
        batch = bus.wait_after(seq, min(config.heartbeat_s, remaining))
        if batch.gap:
            # Missed events (or a position from before a host restart): send everything anew.
            seq = batch.last_seq
            yield sse(snapshot(), "snapshot", str(seq))
            continue
        if not batch.events:
            yield HEARTBEAT
            continue
        for event in batch.events:
            seq = event.seq
            # One SSE event name for every change; ``kind`` says which (started, crashed, ...).
            yield sse(_event_payload(event), "status", str(event.seq))


def log_lines(
    reader: LogReader,
    notifier: ChangeNotifier,
    strategy_id: str,
    position: tuple[str | None, int | None],
    *,
    config: StreamConfig,
    clock: Clock,
) -> Iterator[str]:
    """New lines of a strategy's log from ``position`` (default: the end, fixed now)."""
    file, offset = position
    if offset is None:
        end_file, end_offset = reader.end_position(strategy_id)
        file, offset = (end_file, end_offset) if file is None or file == end_file else (file, 0)
    return _log_frames(reader, notifier, strategy_id, (file, offset), config=config, clock=clock)


def _log_frames(
    reader: LogReader,
    notifier: ChangeNotifier,
    strategy_id: str,
    position: tuple[str | None, int],
    *,
    config: StreamConfig,
    clock: Clock,
) -> Iterator[str]:
    yield f"retry: {RETRY_MS}\n\n"
    file, offset = position
    deadline = clock.monotonic() + config.max_lifetime_s
    while not notifier.closed and (remaining := deadline - clock.monotonic()) > 0:
        seen = notifier.version(strategy_id)
        chunk = reader.read_from(strategy_id, file, offset)
        moved = chunk.file != file
        file, offset = chunk.file, chunk.offset
        if chunk.lines or chunk.reset or (moved and file is not None):
            payload = {
                "lines": chunk.lines,
                "file": chunk.file,
                "offset": chunk.offset,
                "run": chunk.run,
                "reset": chunk.reset,
            }
            yield sse(payload, "lines", f"{chunk.file}:{chunk.offset}")
            if chunk.lines:
                continue  # there may be more right away
        if notifier.wait(strategy_id, seen, min(config.heartbeat_s, remaining)) == seen:
            yield HEARTBEAT
