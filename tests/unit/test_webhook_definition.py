"""A strategy's fields as the trader sends them: defaults, updates, and every refusal named."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from services.errors import InvalidInput
from services.webhooks.definition import StrategyDefinition, parse_definition

SANDBOX = ("sandbox",)


def create(payload: dict[str, Any], venues: tuple[str, ...] = SANDBOX) -> StrategyDefinition:
    return parse_definition(payload, current=None, venues=venues)


def refused(payload: dict[str, Any], venues: tuple[str, ...] = SANDBOX) -> dict[str, str]:
    with pytest.raises(InvalidInput) as raised:
        create(payload, venues)
    return raised.value.fields


def test_a_name_alone_gets_openalgo_defaults() -> None:
    definition = create({"name": " Nifty breakout "})
    assert definition.name == "Nifty breakout"
    assert (definition.exchange, definition.trading_mode, definition.trading_venue) == (
        "NSE",
        "LONG",
        "sandbox",
    )
    assert definition.window.start == time(9, 15) and definition.window.squareoff == time(15, 15)


def test_another_exchange_starts_from_its_own_session() -> None:
    mcx = create({"name": "Gold", "exchange": "mcx"})
    assert mcx.window.start == time(9, 0) and mcx.window.end == time(23, 25)


def test_an_update_changes_only_what_it_names() -> None:
    current = create({"name": "A", "trading_mode": "BOTH"})
    updated = parse_definition({"end_time": "14:00"}, current=current, venues=SANDBOX)
    assert updated.trading_mode == "BOTH" and updated.window.end == time(14, 0)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "A", "colour": "red"}, "colour"),
        ({"name": "A", "trading_mode": "SIDEWAYS"}, "trading_mode"),
        ({"name": "A", "exchange": "NYSE"}, "exchange"),
        ({"name": "A", "is_intraday": "yes"}, "is_intraday"),
        ({"name": "A", "start_time": "9:15"}, "start_time"),
        ({"name": "A", "start_time": "15:00", "end_time": "14:00"}, "end_time"),
        ({"name": "A", "end_time": "15:20", "squareoff_time": "15:10"}, "squareoff_time"),
        ({"name": "A", "start_time": "08:00"}, "start_time"),
        ({"name": "A", "squareoff_time": "15:45"}, "squareoff_time"),
        ({"name": "A", "strategy_type": "custom"}, "strategy_file"),
        ({"name": "A", "strategy_file": "examples/rsi_strategy.py"}, "strategy_file"),  # a webhook strategy
        (
            {"name": "A", "strategy_type": "custom", "strategy_file": "x.py", "execution_mode": "now"},
            "execution_mode",
        ),
        (
            {"name": "A", "strategy_type": "custom", "strategy_file": "x.py", "execution_mode": "schedule"},
            "schedule_config",
        ),
        (
            {
                "name": "A",
                "strategy_type": "custom",
                "strategy_file": "x.py",
                "schedule_config": {"interval": 30},
            },
            "schedule_config",
        ),
        (
            {"name": "A", "strategy_type": "custom", "strategy_file": "x.py", "limits": {"timeout_s": 301}},
            "limits",
        ),
        (
            {"name": "A", "strategy_type": "custom", "strategy_file": "x.py", "strategy_config": [1]},
            "strategy_config",
        ),
    ],
)
def test_refusals_name_their_field(payload: dict[str, Any], field: str) -> None:
    assert field in refused(payload)


def test_live_needs_an_upstream_server() -> None:
    assert "UPSTREAM_HOST" in refused({"name": "A", "trading_venue": "live"})["trading_venue"]
    assert create({"name": "A", "trading_venue": "live"}, ("sandbox", "live")).trading_venue == "live"


def test_crypto_and_positional_strategies_are_not_bound_to_a_session() -> None:
    crypto = create({"name": "B", "exchange": "CRYPTO", "start_time": "00:00", "end_time": "23:00"})
    assert crypto.window.end == time(23, 0)
    positional = create({"name": "C", "is_intraday": False, "start_time": "08:00"})
    assert positional.intraday_window is None


def test_a_custom_strategy_keeps_its_file_mode_schedule_and_limits() -> None:
    payload = {
        "name": "Custom",
        "strategy_type": "custom",
        "strategy_file": "examples/ema_crossover.py",
        "strategy_config": {"fast": 5},
        "execution_mode": "schedule",
        "schedule_config": {"interval": 300},
        "limits": {"timeout_s": 60},
    }
    custom = create(payload).custom
    assert custom is not None and custom.file == "examples/ema_crossover.py" and custom.config == {"fast": 5}
    assert custom.schedule == {"interval": 300, "session_only": True} and custom.limits == {"timeout_s": 60}
    changed = parse_definition(
        {"strategy_config": {"fast": 7}}, current=create(payload), venues=SANDBOX
    ).custom
    assert changed is not None and changed.config == {"fast": 7} and changed.execution_mode == "schedule"
    with pytest.raises(InvalidInput) as raised:
        parse_definition({"strategy_type": "webhook"}, current=create(payload), venues=SANDBOX)
    assert "strategy_type" in raised.value.fields
