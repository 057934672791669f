"""Helpers for custom-strategy tests: a fake ``openalgo`` client and candles shaped like the SDK's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd


class FakeClient:
    """Answers like the ``openalgo`` SDK, one canned reply per method; records every call."""

    def __init__(self, **replies: Any) -> None:
        self.replies = replies
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, method: str) -> Any:
        if method not in self.replies:
            raise AttributeError(method)

        def call(**kwargs: Any) -> Any:
            self.calls.append((method, kwargs))
            return self.replies[method]

        return call


def ok(data: Any) -> dict[str, Any]:
    """A successful ``/api/v1`` reply, as the sandbox sends it."""
    return {"status": "success", "data": data, "mode": "analyze"}


def candles(
    closes: Sequence[float], volumes: Sequence[float] | None = None, first_day: str = "2025-01-01"
) -> pd.DataFrame:
    """Daily candles as ``client.history(..., interval="D")`` returns them: indexed by timestamp,
    columns open, high, low, close, volume, oi (open = the previous close)."""
    close = [float(c) for c in closes]
    opens = [close[0], *close[:-1]] if close else []
    volume = [float(v) for v in volumes] if volumes is not None else [100_000.0] * len(close)
    index = pd.DatetimeIndex(pd.bdate_range(first_day, periods=len(close)), name="timestamp")
    return pd.DataFrame(
        {
            "open": opens,
            "high": [max(o, c) for o, c in zip(opens, close, strict=True)],
            "low": [min(o, c) for o, c in zip(opens, close, strict=True)],
            "close": close,
            "volume": volume,
            "oi": [0] * len(close),
        },
        index=index,
    )
