"""The host's ONE budget of Server-Sent Event streams and the SSE text format every stream uses.

Each open stream holds a server thread, so streams are bounded: ``StreamSlots`` caps how many are
open at once across every feature (a second budget would let two features together starve the
server), each stream sends a ``HEARTBEAT`` comment every ``heartbeat_s`` (a failed write is how a
vanished client is noticed) and ends after ``max_lifetime_s``; the browser's EventSource then
reconnects and resumes from ``Last-Event-ID`` without losing anything.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from services.errors import RateLimited

#: How long a browser waits before reconnecting a stream that ended (sent as ``retry:``).
RETRY_MS = 2000
RETRY = f"retry: {RETRY_MS}\n\n"
HEARTBEAT = ": heartbeat\n\n"


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


@dataclass(frozen=True)
class LiveStream:
    """An open stream: its SSE text, and ``release`` to call once it ends (frees its slot)."""

    body: Iterator[str]
    release: Callable[[], None]


@dataclass(frozen=True)
class LiveStreams:
    """``host.live``: the stream budget and the timing every stream follows."""

    slots: StreamSlots
    config: StreamConfig

    def open(self, frames: Callable[[StreamConfig], Iterator[str]]) -> LiveStream:
        """A stream of ``frames(config)`` in one of the budget's slots (429 when none is free)."""
        ticket = self.slots.acquire()
        try:
            return LiveStream(frames(self.config), ticket.release)
        except BaseException:
            ticket.release()
            raise


def sse(data: Any, event: str | None = None, event_id: str | None = None) -> str:
    """One Server-Sent Event (JSON data on a single line)."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    if event is not None:
        head += f"event: {event}\n"
    return f"{head}data: {json.dumps(data, separators=(',', ':'))}\n\n"


def parse_event_id(raw: str | None) -> int | None:
    """A numbered stream's Last-Event-ID (a sequence number); junk is ignored (start afresh)."""
    if raw is None or not raw.strip().isdigit():
        return None
    return int(raw.strip())
