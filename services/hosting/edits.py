"""Changes to a strategy that must not race a start: edits, settings, clearing an error, delete.

Each runs under the strategy's lock, so no start can slip in between the "is it running?" check
and the change; a change that needs a stopped strategy gets a 409 while it runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from services.errors import Conflict
from services.hosting.registry import SlotRegistry
from services.hosting.repository import StrategyRecord
from services.hosting.runs import Runs
from services.hosting.slots import Runtime
from services.hosting.state import ACTIVE, Status
from services.hosting.validation import SettingsChange
from services.live.events import EventBus

_SETTING_COLUMNS = ("name", "exchange", "restart_on_crash", "stop_signal", "memory_limit_mb")


class Edits:
    def __init__(self, slots: SlotRegistry, runs: Runs, events: EventBus) -> None:
        self._slots = slots
        self._runs = runs
        self._events = events

    def register(self, record: StrategyRecord) -> None:
        """Take a newly created strategy under supervision."""
        self._slots.add(record)

    @contextmanager
    def editing(self, strategy_id: str) -> Iterator[StrategyRecord]:
        """Hold the strategy still (no start) while its script or variables change; 409 if running."""
        slot = self._slots.get(strategy_id)
        with self._slots.locked(slot):
            if slot.status in ACTIVE:
                raise Conflict("Stop the strategy first: it cannot be changed while it runs.")
            yield slot.record

    @contextmanager
    def retiring(self, strategy_id: str) -> Iterator[StrategyRecord]:
        """Delete: refused while running; once the block succeeds the strategy is forgotten."""
        slot = self._slots.get(strategy_id)
        with self._slots.locked(slot):
            if slot.status in ACTIVE:
                raise Conflict("Stop the strategy before deleting it.")
            yield slot.record
            self._slots.forget(slot)
        self._events.publish("deleted", strategy_id, {"id": strategy_id})

    def update_settings(self, strategy_id: str, change: SettingsChange) -> StrategyRecord:
        """Apply validated settings; the exchange cannot change while the strategy runs."""
        values: dict[str, Any] = {
            key: getattr(change, key) for key in _SETTING_COLUMNS if getattr(change, key) is not None
        }
        if change.clear_memory_limit:
            values["memory_limit_mb"] = None
        slot = self._slots.get(strategy_id)
        with self._slots.locked(slot):
            if change.needs_stopped and slot.status in ACTIVE:
                raise Conflict("Stop the strategy before changing its exchange.")
            if values:
                self._runs.save(slot, **values)
                slot.pending_events.append("updated")
            return slot.record

    def clear_error(self, strategy_id: str) -> Runtime:
        slot = self._slots.get(strategy_id)
        with self._slots.locked(slot):
            if slot.status is not Status.ERROR:
                raise Conflict("There is no error to clear.")
            self._runs.save(slot, error=None)
            slot.last_lines, slot.failures = (), 0
            slot.move(Status.STOPPED, "cleared", None)
            return slot.view
