"""The order rate limit: at most N orders per API key in a moving window (429 beyond).

Keyed by a digest of the API key, not the client address: every strategy on this machine shares
one address, while each key is one trading identity. Uses the same ``limits`` engine and storage
(memory:// or redis://) as the host's other rate limits. ``hit`` refuses an order over the limit
(/api/v1); ``take`` is the dispatcher's side of the same counter: it says how long to wait.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from limits import RateLimitItem, parse_many
from limits.strategies import MovingWindowRateLimiter

from services.errors import RateLimited
from services.rate_limits import LazyLimiter

_NAMESPACE = "api-orders"
#: the shortest wait ``take`` asks for, so a slot that frees "now" is not polled in a tight loop
MIN_WAIT_S = 0.005


def _digest(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()[:32]


class OrderThrottle:
    def __init__(
        self, limit: str, storage_uri: str, key_prefix: str = "", wall: Callable[[], float] = time.time
    ) -> None:
        """``wall``: the clock the ``limits`` library stamps its windows with (time.time)."""
        self.limit = limit
        self._wall = wall
        self._namespace = f"{key_prefix}:{_NAMESPACE}" if key_prefix else _NAMESPACE
        self._items: list[RateLimitItem] = parse_many(limit)
        self._limiter = LazyLimiter(storage_uri)

    def hit(self, api_key: str) -> None:
        """Count one order for ``api_key``; RateLimited when it is over the limit."""
        key = _digest(api_key)
        limiter = self._limiter.get()
        for item in self._items:
            if not limiter.hit(item, self._namespace, key):
                raise RateLimited(f"Order rate limit exceeded ({self.limit} per API key). Try again shortly.")

    def take(self, api_key: str) -> float:
        """Count one order for ``api_key`` if every limit has room (returns 0.0); otherwise count
        nothing and return the seconds until the next slot frees."""
        key = _digest(api_key)
        limiter = self._limiter.get()
        full = [item for item in self._items if not limiter.test(item, self._namespace, key)]
        if full:
            return max(self._free_in(limiter, item, key) for item in full)
        for item in self._items:
            # Another request may take the last slot between test and hit: then wait for the next.
            # (With several limits an earlier one may have counted this attempt: a rare overcount.)
            if not limiter.hit(item, self._namespace, key):
                return self._free_in(limiter, item, key)
        return 0.0

    def _free_in(self, limiter: MovingWindowRateLimiter, item: RateLimitItem, key: str) -> float:
        # A moving window's reset time is when its oldest counted order leaves it.
        stats = limiter.get_window_stats(item, self._namespace, key)
        if stats.remaining > 0:
            return MIN_WAIT_S
        return max(stats.reset_time - self._wall(), MIN_WAIT_S)
