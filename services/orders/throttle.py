"""The order rate limit: at most N orders per API key in a moving window (429 beyond).

Keyed by a digest of the API key, not the client address: every strategy on this machine shares
one address, while each key is one trading identity. Uses the same ``limits`` engine and storage
(memory:// or redis://) as the host's other rate limits.
"""

from __future__ import annotations

import hashlib
import threading

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from services.errors import RateLimited

_NAMESPACE = "api-orders"


class OrderThrottle:
    def __init__(self, limit: str, storage_uri: str, key_prefix: str = "") -> None:
        self.limit = limit
        self._namespace = f"{key_prefix}:{_NAMESPACE}" if key_prefix else _NAMESPACE
        self._items: list[RateLimitItem] = parse_many(limit)
        self._storage_uri = storage_uri
        self._limiter: MovingWindowRateLimiter | None = None
        self._lock = threading.Lock()

    def _get_limiter(self) -> MovingWindowRateLimiter:
        # The storage starts a timer thread, so it is built on first use, not with the host.
        with self._lock:
            if self._limiter is None:
                self._limiter = MovingWindowRateLimiter(storage_from_string(self._storage_uri))
            return self._limiter

    def hit(self, api_key: str) -> None:
        """Count one order for ``api_key``; RateLimited when it is over the limit."""
        key = hashlib.sha256(api_key.encode()).hexdigest()[:32]
        limiter = self._get_limiter()
        for item in self._items:
            if not limiter.hit(item, self._namespace, key):
                raise RateLimited(f"Order rate limit exceeded ({self.limit} per API key). Try again shortly.")
