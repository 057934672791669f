"""The ``limits`` engine every rate limit of the host counts with (logins, orders, alerts, runs).

``LazyLimiter`` builds the moving-window limiter on first use, not with the host: its storage
(memory:// or redis://) starts a timer thread, and a host that never counts anything needs none.
"""

from __future__ import annotations

import threading

from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class LazyLimiter:
    def __init__(self, storage_uri: str) -> None:
        self._storage_uri = storage_uri
        self._limiter: MovingWindowRateLimiter | None = None
        self._lock = threading.Lock()

    def get(self) -> MovingWindowRateLimiter:
        with self._lock:
            if self._limiter is None:
                self._limiter = MovingWindowRateLimiter(storage_from_string(self._storage_uri))
            return self._limiter
