"""The exchange calendar a running host reads, reloaded when the trader imports another year.

``python -m services.calendar.import_calendar 2027.json`` writes to the database from another
process; the scheduler notices the store's version change within ``check_every_s`` and swaps in a
freshly loaded (immutable) calendar. Readers just take ``current()``: one attribute read.
"""

from __future__ import annotations

import logging
import threading

from services.calendar.exchange_calendar import ExchangeCalendar
from services.calendar.store import CalendarStore
from services.clock import Clock

log = logging.getLogger(__name__)


class LiveCalendar:
    def __init__(self, store: CalendarStore, clock: Clock, check_every_s: float) -> None:
        self._store = store
        self._clock = clock
        self._check_every_s = check_every_s
        self._lock = threading.Lock()
        self._version = store.version()
        self._calendar = store.load()
        self._next_check = clock.monotonic() + check_every_s

    @property
    def store(self) -> CalendarStore:
        """Where the calendar is kept (yearly imports go there)."""
        return self._store

    def current(self) -> ExchangeCalendar:
        return self._calendar

    def refresh(self, *, force: bool = False) -> bool:
        """Reload if a year was written since the last load (checked at most every
        ``check_every_s`` unless forced). True when the calendar changed."""
        now = self._clock.monotonic()
        if not force and now < self._next_check:
            return False
        with self._lock:
            self._next_check = now + self._check_every_s
            version = self._store.version()
            if version == self._version:
                return False
            self._calendar = self._store.load()
            self._version = version
        log.info("Exchange calendar reloaded (years %s)", sorted(self._calendar.years))
        return True
