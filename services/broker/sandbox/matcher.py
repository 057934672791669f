"""The background matcher: every few hundred milliseconds, resting paper orders meet fresh quotes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from services.broker.sandbox.engine import OrderEngine

log = logging.getLogger(__name__)


class OrderMatcher:
    """A BackgroundService running ``engine.match()`` on an interval while the master contract is loaded."""

    name = "sandbox order matcher"

    def __init__(self, engine: OrderEngine, interval_s: float, ready: Callable[[], bool]) -> None:
        self._engine = engine
        self._interval_s = interval_s
        self._ready = ready
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="sandbox-matcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def run_once(self) -> int:
        """One pass (the thread's unit of work); returns how many orders changed state."""
        if not self._ready():
            return 0
        return self._engine.match()

    def _run(self) -> None:
        while not self._stopping.wait(self._interval_s):
            try:
                changed = self.run_once()
                if changed:
                    log.debug("Matcher: %d order(s) changed", changed)
            except Exception:  # keep matching: one bad pass must not stop every resting order
                log.exception("Sandbox matcher pass failed")
