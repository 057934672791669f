"""The custom-strategy guides keep up with the code: every Python block of
``docs/CUSTOM_STRATEGIES.md`` and ``custom_strategies/user_strategies/README.md`` is compiled and
run, each strategy class it defines is built and executed on a stand-in SDK client, and the
examples' table names every parameter the examples declare."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import openalgo
import pandas as pd
import pytest

from custom_strategies import BaseStrategy, Signal
from custom_strategies.examples.ema_crossover import EMACrossover
from custom_strategies.examples.mean_reversion import MeanReversion
from custom_strategies.examples.momentum_strategy import MomentumStrategy
from custom_strategies.examples.rsi_strategy import RSIStrategy
from tests.support.custom import FakeClient, candles, ok

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "CUSTOM_STRATEGIES.md"
START = ROOT / "custom_strategies" / "user_strategies" / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """(first line number, code) of each ```python block."""
    text = path.read_text(encoding="utf-8")
    return [(text[: found.start()].count("\n") + 2, found.group(1)) for found in BLOCK.finditer(text)]


def market() -> FakeClient:
    """A small, plausible market: a quote 1.5 % under yesterday's close, 120 wavy daily candles."""
    closes = 100 + 10 * np.sin(np.arange(120) / 6)
    level = {"price": 99.0, "quantity": 10}
    return FakeClient(
        quotes=ok({"ltp": 98.5, "prev_close": 100.0, "open": 99.0, "high": 100.5, "low": 98.0}),
        history=candles(closes),
        depth=ok({"bids": [level], "asks": [{"price": 99.1, "quantity": 5}], "ltp": 99.05}),
        funds=ok({"availablecash": "100000.00"}),
        positionbook=ok([]),
        orderbook=ok({"orders": [], "statistics": {}}),
        search=ok([{"symbol": "SBIN", "exchange": "NSE"}]),
    )


def blocks() -> list[Any]:
    return [
        pytest.param(code, id=f"{path.relative_to(ROOT)}:{line}")
        for path in (GUIDE, START)
        for line, code in python_blocks(path)
    ]


def test_both_guides_have_code_to_run() -> None:
    assert len(python_blocks(GUIDE)) >= 7
    assert len(python_blocks(START)) == 1


@pytest.mark.parametrize("code", blocks())
def test_each_python_block_runs(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    client = market()
    # The SDK client every strategy builds (even one given a host's address) is the stand-in.
    monkeypatch.setattr(openalgo, "api", lambda **_: client)
    namespace: dict[str, Any] = {"__name__": "doc_block"}
    exec(compile(code, "<doc block>", "exec"), namespace)  # noqa: S102 - the docs' own code
    defined = [
        value
        for value in namespace.values()
        if isinstance(value, type)
        and issubclass(value, BaseStrategy)
        and value.__module__ == "doc_block"
        and not getattr(value, "__abstractmethods__", None)
    ]
    for cls in defined:
        lines: list[str] = []
        strategy = cls("doc-key", {}, payload={"symbol": "SBIN", "action": "buy"}, log=lines.append)
        signals = strategy.execute()
        assert isinstance(signals, list), cls
        for signal in signals:
            assert isinstance(signal, str | dict | Signal), signal
            if isinstance(signal, dict):
                Signal(**signal)  # every field a dict may carry is a Signal field, validly filled
        assert cls.name and isinstance(cls.description, str)


def test_the_guides_strategies_say_what_they_did() -> None:
    namespace: dict[str, Any] = {"__name__": "doc_block"}
    (_, first), *_ = python_blocks(GUIDE)
    exec(compile(first, "<doc block>", "exec"), namespace)  # noqa: S102 - the docs' own code
    lines: list[str] = []
    strategy = namespace["BuyTheDip"]("doc-key", log=lines.append)
    strategy.client = market()
    assert strategy.execute() == [Signal("SBIN", "BUY", "NSE", 1)]
    assert lines == ["SBIN: 98.5 is -1.50% from yesterday's close"]
    assert (namespace["BuyTheDip"].name, namespace["BuyTheDip"].description) == (
        "Buy the dip",
        "Buys a stock that trades some percent below yesterday's close.",
    )


@pytest.mark.parametrize("cls", [EMACrossover, RSIStrategy, MomentumStrategy, MeanReversion])
def test_the_examples_table_names_every_parameter(cls: type[BaseStrategy]) -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    section = guide[guide.index("## The four examples") : guide.index("## Trying a strategy")]
    module = cls.__module__.rsplit(".", 1)[-1]
    row = next(line for line in section.splitlines() if line.startswith(f"| `examples/{module}.py`"))
    assert f"`{cls.__name__}`" in row
    shared = {"symbol", "exchange", "interval", "lookback_days", "quantity", "as_of"}
    for name, default in cls.parameters.items():
        if name in shared:
            assert f"`{name}`" in section
            continue
        shown = str(default).lower() if isinstance(default, bool) else f"{default:g}"
        assert f"`{name}` {shown}" in row, (name, default)


def test_the_guide_lists_every_helper() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    helpers = [
        "get_quotes",
        "get_history",
        "get_depth",
        "get_funds",
        "get_positions",
        "get_orderbook",
        "search_symbols",
    ]
    for helper in helpers:
        assert f"| `{helper}(" in guide, helper
        assert callable(getattr(BaseStrategy, helper))
    assert all(f"`{field}`" in guide for field in Signal.__dataclass_fields__)


def test_candles_of_the_stand_in_market_look_like_the_sdks() -> None:
    history = market().history()
    assert isinstance(history, pd.DataFrame)
    assert list(history.columns) == ["open", "high", "low", "close", "volume", "oi"]
