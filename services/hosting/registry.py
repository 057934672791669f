"""The supervisor's slots: one per strategy, loaded from the database once, locked one at a time.

Events noted while a slot is locked are published after its lock is released, so an event
consumer (or a status extension building the payload) never runs under a strategy's lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from services.errors import NotFound
from services.hosting.repository import StrategyRecord, StrategyRepository
from services.hosting.slots import Slot
from services.hosting.state import Status
from services.hosting.status import StatusBoard
from services.live.events import EventBus


def initial_status(record: StrategyRecord) -> Status:
    """A strategy's status when the host starts: an unresolved error stays visible."""
    if record.error and not record.wants_running:
        return Status.ERROR
    return Status.STOPPED


class SlotRegistry:
    def __init__(self, repository: StrategyRepository, board: StatusBoard, events: EventBus) -> None:
        self._repository = repository
        self._board = board
        self._events = events
        self._slots: dict[str, Slot] = {}
        self._lock = threading.Lock()
        self._loaded = False

    def get(self, strategy_id: str) -> Slot:
        """The slot of ``strategy_id`` (NotFound for an unknown id)."""
        self._ensure_loaded()
        with self._lock:
            slot = self._slots.get(strategy_id)
        if slot is None:
            record = self._repository.get(strategy_id)
            with self._lock:
                slot = self._slots.setdefault(record.id, Slot(record, initial_status(record)))
        return slot

    def all(self) -> list[Slot]:
        self._ensure_loaded()
        with self._lock:
            return list(self._slots.values())

    def add(self, record: StrategyRecord) -> Slot:
        self._ensure_loaded()
        with self._lock:
            slot = self._slots.setdefault(record.id, Slot(record, initial_status(record)))
        self._events.publish("created", record.id, self._board.entry(slot))
        return slot

    def forget(self, slot: Slot) -> None:
        """Drop a deleted strategy's slot (its lock is held by the caller)."""
        slot.retired = True
        with self._lock:
            if self._slots.get(slot.strategy_id) is slot:
                del self._slots[slot.strategy_id]

    @contextmanager
    def locked(self, slot: Slot) -> Iterator[Slot]:
        """The slot's lock; events noted meanwhile are published once it is released."""
        try:
            with slot.lock:
                if slot.retired:
                    raise NotFound("There is no such strategy.")
                yield slot
        finally:
            self.flush_events(slot)

    def flush_events(self, slot: Slot) -> None:
        if not slot.pending_events:
            return
        kinds, slot.pending_events = slot.pending_events, []
        entry: dict[str, Any] = self._board.entry(slot)
        for kind in kinds:
            self._events.publish(kind, slot.strategy_id, entry)

    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        records = self._repository.all()
        with self._lock:
            if not self._loaded:
                for record in records:
                    self._slots.setdefault(record.id, Slot(record, initial_status(record)))
                self._loaded = True
