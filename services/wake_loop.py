"""A background loop that calls ``tick`` every few seconds, and at once when woken.

The supervisor and the scheduler both reconcile this way: a request changes what should be and
wakes the loop; the loop does the slow work. The sandbox's order matcher runs on it too. A failing
pass is logged and the loop goes on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable


class WakeLoop:
    """A daemon thread running ``tick()`` every ``interval_s`` seconds or as soon as ``wake()``."""

    def __init__(
        self,
        *,
        name: str,
        tick: Callable[[], object],
        interval_s: float,
        log: logging.Logger,
        failure: str,
    ) -> None:
        self._name = name
        self._tick = tick
        self._interval_s = interval_s
        #: The caller's logger and message, so a failed pass is reported where it belongs.
        self._log = log
        self._failure = failure
        self._wake = threading.Event()
        self._running = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._running = True
        self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """End the loop after the pass in progress (waiting up to ``timeout`` seconds for it)."""
        self._running = False
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
            self._thread = None

    def _loop(self) -> None:
        while self._running:
            try:
                self._tick()
            except Exception:
                self._log.exception(self._failure)
            self._wake.wait(self._interval_s)
            self._wake.clear()
