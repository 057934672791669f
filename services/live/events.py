"""In-memory notifications for live views.

``EventBus``: numbered events (status transitions, strategies added or removed) kept in a
bounded ring, so a Server-Sent Events client that reconnects with ``Last-Event-ID`` receives what
it missed, or is told to reload when it fell too far behind.

``ChangeNotifier``: a version counter per key (a strategy's log) that waiting readers block on,
so a log stream wakes as soon as a line is written instead of polling the file.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Event:
    seq: int
    kind: str
    strategy_id: str | None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EventBatch:
    events: list[Event]
    #: The caller's position is older than the ring: it missed events and should reload.
    gap: bool
    last_seq: int


class EventBus:
    """Publish/subscribe with sequence numbers; subscribers pull with ``wait_after``."""

    def __init__(self, capacity: int = 1000) -> None:
        self._ring: deque[Event] = deque(maxlen=capacity)
        self._seq = 0
        self._closed = False
        self._condition = threading.Condition()

    @property
    def closed(self) -> bool:
        """True once the host is shutting down: live streams end instead of waiting."""
        return self._closed

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify_all()

    @property
    def last_seq(self) -> int:
        with self._condition:
            return self._seq

    def publish(self, kind: str, strategy_id: str | None, data: Mapping[str, Any] | None = None) -> Event:
        with self._condition:
            self._seq += 1
            event = Event(self._seq, kind, strategy_id, dict(data or {}))
            self._ring.append(event)
            self._condition.notify_all()
        return event

    def after(self, seq: int) -> EventBatch:
        """Events newer than ``seq`` without waiting."""
        with self._condition:
            return self._batch(seq)

    def wait_after(self, seq: int, timeout: float) -> EventBatch:
        """Events newer than ``seq``, waiting up to ``timeout`` seconds for the first one."""
        with self._condition:
            self._condition.wait_for(lambda: self._seq > seq or self._closed, timeout=timeout)
            return self._batch(seq)

    def _batch(self, seq: int) -> EventBatch:
        if seq > self._seq:
            # A position from before a host restart: everything since is unknown to the client.
            return EventBatch([], gap=True, last_seq=self._seq)
        oldest = self._ring[0].seq if self._ring else self._seq + 1
        gap = seq + 1 < oldest and seq < self._seq
        events = [event for event in self._ring if event.seq > seq]
        return EventBatch(events, gap, self._seq)


class ChangeNotifier:
    """Per-key change counters; readers wait until a key's counter moves past what they saw."""

    def __init__(self) -> None:
        self._versions: dict[str, int] = {}
        self._closed = False
        self._condition = threading.Condition()

    @property
    def closed(self) -> bool:
        """True once the host is shutting down: readers stop waiting."""
        return self._closed

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify_all()

    def bump(self, key: str) -> None:
        with self._condition:
            self._versions[key] = self._versions.get(key, 0) + 1
            self._condition.notify_all()

    def version(self, key: str) -> int:
        with self._condition:
            return self._versions.get(key, 0)

    def wait(self, key: str, seen: int, timeout: float) -> int:
        """The key's version once it differs from ``seen``, or after ``timeout`` seconds."""
        with self._condition:
            self._condition.wait_for(
                lambda: self._versions.get(key, 0) != seen or self._closed, timeout=timeout
            )
            return self._versions.get(key, 0)

    def forget(self, key: str) -> None:
        with self._condition:
            self._versions.pop(key, None)
            self._condition.notify_all()
