"""Ready alert messages for a webhook strategy's page: what to paste into a TradingView alert.

One set per trading mode (services/webhooks/modes.py says what each message becomes): the
TradingView strategy alert with its placeholders, and the signal form for indicator alerts.
``tests/unit/test_strategy_samples.py`` checks that every message, with its placeholders filled as
TradingView fills them, is an alert the mode accepts.
"""

from __future__ import annotations

from dataclasses import dataclass

#: TradingView strategy alerts: {{strategy.order.action}} is "buy" or "sell".
ORDER_ALERT = '{"symbol": "{{ticker}}", "action": "{{strategy.order.action}}"}'
#: BOTH mode: {{strategy.position_size}} is the position after the order (10, -10, 0).
POSITION_ALERT = (
    '{"symbol": "{{ticker}}", "action": "{{strategy.order.action}}", '
    '"position_size": "{{strategy.position_size}}"}'
)


@dataclass(frozen=True)
class Sample:
    title: str
    hint: str
    message: str


def _signal(action: str, hint: str) -> Sample:
    return Sample(f"Signal: {action}", hint, f'{{"symbol": "{{{{ticker}}}}", "action": "{action}"}}')


LONG_ENTRY = _signal(
    "long_entry", "Takes the position to + the mapped quantity (a short reverses in one order)."
)
LONG_EXIT = _signal("long_exit", "Goes flat when long; does nothing otherwise.")
SHORT_ENTRY = _signal(
    "short_entry", "Takes the position to − the mapped quantity (a long reverses in one order)."
)
SHORT_EXIT = _signal("short_exit", "Goes flat when short; does nothing otherwise.")

SAMPLES: dict[str, tuple[Sample, ...]] = {
    "LONG": (
        Sample(
            "TradingView strategy alert",
            "BUY opens a long of the mapped quantity (or the alert's position_size); SELL closes it.",
            ORDER_ALERT,
        ),
        LONG_ENTRY,
        LONG_EXIT,
    ),
    "SHORT": (
        Sample(
            "TradingView strategy alert",
            "SELL opens a short of the mapped quantity (or the alert's position_size); BUY covers it.",
            ORDER_ALERT,
        ),
        SHORT_ENTRY,
        SHORT_EXIT,
    ),
    "BOTH": (
        Sample(
            "TradingView strategy alert",
            "Goes to TradingView's position after the order: 10 long, -10 short, 0 flat "
            "(a reversal is one order).",
            POSITION_ALERT,
        ),
        LONG_ENTRY,
        LONG_EXIT,
        SHORT_ENTRY,
        SHORT_EXIT,
    ),
}


def samples_by_mode() -> dict[str, tuple[Sample, ...]]:
    """Every mode's messages (the page shows the strategy's mode and switches when it changes)."""
    return SAMPLES
