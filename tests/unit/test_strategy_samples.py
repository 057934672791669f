"""The ready alert messages of a strategy's page are alerts its trading mode accepts, once
TradingView has filled in their placeholders."""

from __future__ import annotations

import json

import pytest

from blueprints.strategy.samples import samples_by_mode
from services.webhooks.alerts import parse_alert
from services.webhooks.modes import MODES, plan_orders

#: What TradingView writes for each placeholder when a strategy's order fills (action in lower case).
FILLS = (
    {"{{ticker}}": "SBIN", "{{strategy.order.action}}": "buy", "{{strategy.position_size}}": "10"},
    {"{{ticker}}": "SBIN", "{{strategy.order.action}}": "sell", "{{strategy.position_size}}": "-10"},
    {"{{ticker}}": "SBIN", "{{strategy.order.action}}": "sell", "{{strategy.position_size}}": "0"},
)


def filled(message: str, fill: dict[str, str]) -> bytes:
    for placeholder, value in fill.items():
        message = message.replace(placeholder, value)
    return message.encode()


def test_every_mode_has_its_messages() -> None:
    assert set(samples_by_mode()) == set(MODES)
    for samples in samples_by_mode().values():
        assert samples[0].title == "TradingView strategy alert"
        assert all(sample.hint and sample.message for sample in samples)


@pytest.mark.parametrize("mode", MODES)
def test_each_message_is_valid_json_with_placeholders_that_the_mode_accepts(mode: str) -> None:
    for sample in samples_by_mode()[mode]:
        json.loads(sample.message)  # valid JSON even before TradingView fills it in
        for fill in FILLS:
            alert = parse_alert(filled(sample.message, fill))
            assert alert.symbol == "SBIN"
            plan_orders(mode, alert, mapped_quantity=5)  # raises when the mode refuses it


def test_both_mode_sends_the_position_the_others_the_order() -> None:
    assert "{{strategy.position_size}}" in samples_by_mode()["BOTH"][0].message
    for mode in ("LONG", "SHORT"):
        assert "position_size" not in samples_by_mode()[mode][0].message
