"""Webhook strategies (/strategy): the alert rate, duplicates, the deliveries kept, the reply wait."""

from __future__ import annotations

from dataclasses import dataclass

from services.settings.fields import setting as _setting
from services.settings.parsers import float_range as _float_range
from services.settings.parsers import int_range as _int_range
from services.settings.parsers import rate_limit as _rate_limit


@dataclass(frozen=True)
class WebhookSettings:
    webhook_rate_limit: str = _setting(
        "WEBHOOK_RATE_LIMIT",
        _rate_limit,
        "300 per minute",
        "Alerts accepted per strategy webhook, duplicates included (429 beyond)",
    )
    webhook_dedupe_seconds: float = _setting(
        "WEBHOOK_DEDUPE_SECONDS",
        _float_range(0.0, 86_400.0),
        60.0,
        "An identical alert body to the same webhook within this many seconds is a duplicate (0: off)",
    )
    webhook_deliveries_kept: int = _setting(
        "WEBHOOK_DELIVERIES_KEPT",
        _int_range(10, 1_000_000),
        1000,
        "Deliveries kept per strategy (oldest deleted first)",
    )
    webhook_reply_wait_s: float = _setting(
        "WEBHOOK_REPLY_WAIT_S",
        _float_range(0.0, 2.0),
        1.5,
        "How long a webhook reply waits for the broker's answer (TradingView gives up after ~3 s)",
    )
