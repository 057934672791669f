"""The alert rate limit: at most ``WEBHOOK_RATE_LIMIT`` deliveries per strategy (its webhook id) in a
moving window, duplicates included; 429 beyond.

Per strategy, not per client address: TradingView sends every trader's alerts from the same few
addresses, and a screener alerting 50 symbols at one bar close must pass. Same ``limits`` engine
and storage (memory:// or redis://) as the host's other limits.
"""

from __future__ import annotations

import threading

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from services.errors import RateLimited

_NAMESPACE = "webhook-alerts"


class WebhookThrottle:
    def __init__(
        self, limit: str, storage_uri: str, key_prefix: str = "", namespace: str = _NAMESPACE
    ) -> None:
        """``namespace``: one counter per use (alerts; ``/strategy/execute`` calls)."""
        self.limit = limit
        self._namespace = f"{key_prefix}:{namespace}" if key_prefix else namespace
        self._items: list[RateLimitItem] = parse_many(limit)
        self._storage_uri = storage_uri
        self._limiter: MovingWindowRateLimiter | None = None
        self._lock = threading.Lock()

    def hit(self, strategy_id: int) -> None:
        """Count one alert for the strategy; RateLimited when it is over the limit."""
        with self._lock:
            # The storage starts a timer thread, so it is built on first use, not with the host.
            if self._limiter is None:
                self._limiter = MovingWindowRateLimiter(storage_from_string(self._storage_uri))
            limiter = self._limiter
        for item in self._items:
            if not limiter.hit(item, self._namespace, str(strategy_id)):
                raise RateLimited(
                    f"Too many alerts for this strategy ({self.limit}); this one was not acted on."
                )
