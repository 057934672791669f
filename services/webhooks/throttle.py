"""The alert rate limit: at most ``WEBHOOK_RATE_LIMIT`` deliveries per strategy (its webhook id) in a
moving window, duplicates included; 429 beyond.

Per strategy, not per client address: TradingView sends every trader's alerts from the same few
addresses, and a screener alerting 50 symbols at one bar close must pass. Same ``limits`` engine
and storage (memory:// or redis://) as the host's other limits.
"""

from __future__ import annotations

from limits import RateLimitItem, parse_many

from services.errors import RateLimited
from services.rate_limits import LazyLimiter

_NAMESPACE = "webhook-alerts"


class WebhookThrottle:
    def __init__(
        self, limit: str, storage_uri: str, key_prefix: str = "", namespace: str = _NAMESPACE
    ) -> None:
        """``namespace``: one counter per use (alerts; ``/strategy/execute`` calls)."""
        self.limit = limit
        self._namespace = f"{key_prefix}:{namespace}" if key_prefix else namespace
        self._items: list[RateLimitItem] = parse_many(limit)
        self._limiter = LazyLimiter(storage_uri)

    def hit(self, strategy_id: int) -> None:
        """Count one alert for the strategy; RateLimited when it is over the limit."""
        limiter = self._limiter.get()
        for item in self._items:
            if not limiter.hit(item, self._namespace, str(strategy_id)):
                raise RateLimited(
                    f"Too many alerts for this strategy ({self.limit}); this one was not acted on."
                )
