"""The background matcher: every few hundred milliseconds, resting paper orders meet fresh quotes."""

from __future__ import annotations

import logging
from collections.abc import Callable

from services.broker.sandbox.engine import OrderEngine
from services.wake_loop import WakeLoop

log = logging.getLogger(__name__)


class OrderMatcher:
    """A BackgroundService running ``engine.match()`` on an interval while the master contract is loaded.

    A failed pass is logged and the next one runs: one bad pass must not stop every resting order.
    """

    name = "sandbox order matcher"

    def __init__(self, engine: OrderEngine, interval_s: float, ready: Callable[[], bool]) -> None:
        self._engine = engine
        self._ready = ready
        self._loop = WakeLoop(
            name="sandbox-matcher",
            tick=self.run_once,
            interval_s=interval_s,
            log=log,
            failure="Sandbox matcher pass failed",
        )

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop(timeout=10)

    def run_once(self) -> int:
        """One pass (the loop's unit of work); returns how many orders changed state."""
        if not self._ready():
            return 0
        changed = self._engine.match()
        if changed:
            log.debug("Matcher: %d order(s) changed", changed)
        return changed
