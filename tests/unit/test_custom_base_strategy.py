"""The custom-strategy contract: BaseStrategy's config, metadata, helpers and log; Signal; parameters."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

import pandas as pd
import pytest

import custom_strategies
from custom_strategies import BaseStrategy, ParameterError, Signal, StrategyDataError, coerce_parameters
from custom_strategies.base_strategy import DEFAULT_HOST, IST, history_window
from custom_strategies.parameters import declaration_problems, describe_type
from tests.support.custom import FakeClient, ok


class Plain(BaseStrategy):
    """Buys what it is told.

    A second paragraph that is not the description.
    """

    parameters: ClassVar[dict[str, Any]] = {"symbol": "SBIN", "quantity": 5, "ratio": 1.5, "short": False}

    def execute(self) -> list[str | dict[str, Any] | Signal]:
        return [self.config["symbol"]]


class Named(Plain):
    name: ClassVar[str] = "A named one"
    description: ClassVar[str] = "Declared, not taken from the docstring."


class Undocumented(BaseStrategy):
    def execute(self) -> list[str | dict[str, Any] | Signal]:
        return []


def strategy(client: Any = None, **kwargs: Any) -> Plain:
    made = Plain("key-1", **kwargs)
    if client is not None:
        made.client = client
    return made


# Construction, configuration, metadata -------------------------------------------------------------
def test_the_package_exports_the_contract() -> None:
    assert custom_strategies.BaseStrategy is BaseStrategy
    assert custom_strategies.Signal is Signal
    assert {"BaseStrategy", "Signal", "StrategyDataError", "coerce_parameters"} <= set(
        custom_strategies.__all__
    )


def test_config_is_the_declared_defaults_overlaid_with_the_strategy_config() -> None:
    made = Plain("key-1", {"quantity": 7, "extra": "kept"})
    assert made.api_key == "key-1"
    assert made.config == {"symbol": "SBIN", "quantity": 7, "ratio": 1.5, "short": False, "extra": "kept"}
    assert made.get_config_value("quantity") == 7
    assert made.get_config_value("missing") is None
    assert made.get_config_value("missing", 3) == 3
    assert Plain("k").config == Plain.parameters
    made.config["symbol"] = "TCS"
    assert Plain.parameters["symbol"] == "SBIN"  # each instance has its own copy


def test_payload_defaults_to_an_empty_dict_and_is_a_copy() -> None:
    assert Plain("k").payload == {}
    body = {"reason": "alert"}
    made = Plain("k", payload=body)
    made.payload["more"] = 1
    assert body == {"reason": "alert"}


def test_host_comes_from_the_argument_then_openalgo_host_then_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENALGO_HOST", raising=False)
    assert Plain("k").host == DEFAULT_HOST == "http://127.0.0.1:5000"
    monkeypatch.setenv("OPENALGO_HOST", "http://127.0.0.1:6123/")
    assert Plain("k").host == "http://127.0.0.1:6123"
    assert Plain("k", host="http://example.test:80").host == "http://example.test:80"


def test_the_sdk_client_is_built_on_first_use_for_the_host() -> None:
    made = Plain("key-9", host="http://127.0.0.1:6999")
    assert made._client is None
    client = made.client
    assert client is made.client
    assert client.api_key == "key-9"
    assert client.base_url == "http://127.0.0.1:6999/api/v1/"


def test_name_and_description_default_to_the_class_name_and_docstring() -> None:
    assert (Plain.name, Plain.description) == ("Plain", "Buys what it is told.")
    assert (Named.name, Named.description) == ("A named one", "Declared, not taken from the docstring.")
    assert (Undocumented.name, Undocumented.description) == ("Undocumented", "")
    assert Undocumented.parameters == {}


def test_a_strategy_without_execute_cannot_be_instantiated() -> None:
    class Incomplete(BaseStrategy):
        pass

    with pytest.raises(TypeError, match="execute"):
        Incomplete("k")  # type: ignore[abstract]


@pytest.mark.parametrize(
    ("declared", "reason"),
    [
        ({"items": [1, 2]}, "items: a default must be an int, float, bool or str, not list"),
        ({"nothing": None}, "nothing: a default must be an int, float, bool or str, not NoneType"),
        ({"bad name": 1}, "bad name: a parameter's name must be a Python identifier"),
        ({"limit": math.nan}, "limit: a default must be a finite number"),
    ],
)
def test_a_wrong_parameters_declaration_fails_when_the_class_is_defined(
    declared: dict[str, Any], reason: str
) -> None:
    with pytest.raises(TypeError, match=re.escape(f"Broken.parameters is not valid: {reason}")):

        class Broken(BaseStrategy):
            parameters: ClassVar[dict[str, Any]] = declared

            def execute(self) -> list[str | dict[str, Any] | Signal]:
                return []


def test_name_must_be_a_string() -> None:
    with pytest.raises(TypeError, match=r"Broken\.name must be a string"):

        class Broken(BaseStrategy):
            name = 3  # type: ignore[assignment]

            def execute(self) -> list[str | dict[str, Any] | Signal]:
                return []


class SeedStyle(BaseStrategy):
    """The seed's form: its own __init__ with two arguments, reading its config there."""

    def __init__(self, api_key: str, strategy_config: dict[str, Any]) -> None:
        super().__init__(api_key, strategy_config)
        self.short_period = strategy_config.get("short_period", 9)

    def execute(self) -> list[str | dict[str, Any] | Signal]:
        return []


class Forwarding(BaseStrategy):
    def __init__(self, api_key: str, strategy_config: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(api_key, strategy_config, **kwargs)
        self.ready = True

    def execute(self) -> list[str | dict[str, Any] | Signal]:
        return []


class SeedStyleChild(SeedStyle):
    pass


def test_a_subclass_with_the_seeds_init_still_gets_host_payload_and_log() -> None:
    lines: list[str] = []
    made = SeedStyle("k", {"short_period": 5}, host="http://h:1", payload={"a": 1}, log=lines.append)
    made.log("hello")
    assert (made.short_period, made.config, made.host, made.payload) == (
        5,
        {"short_period": 5},
        "http://h:1",
        {"a": 1},
    )
    assert lines == ["hello"]
    assert "_strategy_context" not in vars(made)
    child = SeedStyleChild("k", {}, payload={"b": 2})
    assert (child.short_period, child.payload) == (9, {"b": 2})
    assert SeedStyle("k", {}).payload == {}
    assert SeedStyle.__init__.__doc__ is None and SeedStyle.__init__.__name__ == "__init__"


def test_a_subclass_that_forwards_its_keywords_is_left_alone() -> None:
    assert Forwarding.__init__.__qualname__ == "Forwarding.__init__"
    made = Forwarding("k", None, host="http://h:2", payload={"c": 3})
    assert (made.ready, made.host, made.payload) == (True, "http://h:2", {"c": 3})


def test_an_init_without_a_readable_signature_is_left_alone() -> None:
    class Odd(BaseStrategy):
        __init__ = BaseException  # type: ignore[assignment]  # inspect.signature raises ValueError

        def execute(self) -> list[str | dict[str, Any] | Signal]:
            return []

    assert Odd.__init__ is BaseException


# Log --------------------------------------------------------------------------------------------
def test_log_prints_one_flushed_line_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    Plain("k").log("computed EMA 101.5")
    assert capsys.readouterr().out == "computed EMA 101.5\n"


def test_log_goes_to_the_given_sink() -> None:
    lines: list[str] = []
    made = Plain("k", log=lines.append)
    made.log("one")
    made.log(42)  # type: ignore[arg-type]
    assert lines == ["one", "42"]


# Helpers ------------------------------------------------------------------------------------------
QUOTE = {"ltp": 101.5, "open": 100.0, "high": 102.0, "low": 99.0, "bid": 101.4, "ask": 101.6}


def test_helpers_return_the_data_of_a_successful_reply_and_pass_the_arguments() -> None:
    positions = [{"symbol": "SBIN", "exchange": "NSE", "product": "MIS", "quantity": "5"}]
    book = {"orders": [], "statistics": {"total_buy_orders": 0.0}}
    found = [{"symbol": "SBIN", "exchange": "NSE"}]
    client = FakeClient(
        quotes=ok(QUOTE),
        depth=ok({"bids": [], "asks": [], "ltp": 1.0}),
        funds=ok({"availablecash": "1000.00"}),
        positionbook=ok(positions),
        orderbook=ok(book),
        search=ok(found),
    )
    made = strategy(client)
    assert made.get_quotes("SBIN", "NSE") == QUOTE
    assert made.get_depth("SBIN", "NSE") == {"bids": [], "asks": [], "ltp": 1.0}
    assert made.get_funds() == {"availablecash": "1000.00"}
    assert made.get_positions() == positions
    assert made.get_orderbook() == book
    assert made.search_symbols("SB") == found
    assert made.search_symbols("SB", "NSE") == found
    assert client.calls == [
        ("quotes", {"symbol": "SBIN", "exchange": "NSE"}),
        ("depth", {"symbol": "SBIN", "exchange": "NSE"}),
        ("funds", {}),
        ("positionbook", {}),
        ("orderbook", {}),
        ("search", {"query": "SB", "exchange": None}),
        ("search", {"query": "SB", "exchange": "NSE"}),
    ]


def test_get_history_returns_the_sdk_dataframe() -> None:
    frame = pd.DataFrame(
        {"open": [1.0], "high": [2.0], "low": [0.5], "close": [1.5], "volume": [10], "oi": [0]},
        index=pd.DatetimeIndex([pd.Timestamp("2025-06-02")], name="timestamp"),
    )
    client = FakeClient(history=frame)
    made = strategy(client)
    assert made.get_history("SBIN", "NSE", "D", "2025-06-01", date(2025, 6, 3)) is frame
    assert client.calls == [
        (
            "history",
            {
                "symbol": "SBIN",
                "exchange": "NSE",
                "interval": "D",
                "start_date": "2025-06-01",
                "end_date": "2025-06-03",
            },
        )
    ]


def test_get_history_of_a_range_without_candles_is_an_empty_frame() -> None:
    # What the SDK makes of a successful reply with no rows (a weekend).
    no_data = {
        "status": "error",
        "message": "No data available for the specified period",
        "error_type": "no_data",
    }
    frame = strategy(FakeClient(history=no_data)).get_history("SBIN", "NSE", "D", "2025-06-07", "2025-06-08")
    assert frame.empty
    assert list(frame.columns) == ["open", "high", "low", "close", "volume", "oi"]
    assert len(frame["close"]) == 0


# What the SDK returns for an /api/v1 error: the API's message inside "HTTP <code>: <body>".
REFUSED = {
    "status": "error",
    "message": 'HTTP 403: {"status":"error","message":"Invalid openalgo apikey","mode":"analyze"}',
    "code": 403,
    "error_type": "http_error",
}
UNKNOWN = {
    "status": "error",
    "message": 'HTTP 404: {"status":"error","message":"Symbol NOPE was not found on NSE."}',
    "code": 404,
    "error_type": "http_error",
}
DOWN = {
    "status": "error",
    "message": "Failed to connect to the server. Please check if the server is running.",
    "error_type": "connection_error",
}


@pytest.mark.parametrize(
    ("reply", "message", "code"),
    [
        (REFUSED, "Invalid openalgo apikey", 403),
        (UNKNOWN, "Symbol NOPE was not found on NSE.", 404),
        (DOWN, "Failed to connect to the server. Please check if the server is running.", None),
        ({"status": "error", "message": "HTTP 502: <html>Bad gateway</html>", "code": 502},
         "HTTP 502: <html>Bad gateway</html>", 502),
        ({"status": "error"}, "{what} failed", None),
    ],
)  # fmt: skip
@pytest.mark.parametrize(
    ("what", "call"),
    [
        ("quotes", lambda s: s.get_quotes("NOPE", "NSE")),
        ("history", lambda s: s.get_history("NOPE", "NSE", "D", "2025-06-01", "2025-06-30")),
        ("depth", lambda s: s.get_depth("NOPE", "NSE")),
        ("funds", lambda s: s.get_funds()),
        ("positionbook", lambda s: s.get_positions()),
        ("orderbook", lambda s: s.get_orderbook()),
        ("search", lambda s: s.search_symbols("NOPE")),
    ],
)
def test_every_helper_raises_strategy_data_error_with_the_apis_message(
    reply: dict[str, Any], message: str, code: int | None, what: str, call: Any
) -> None:
    made = strategy(FakeClient(**{what: reply}))
    with pytest.raises(StrategyDataError) as raised:
        call(made)
    expected = message.format(what=what)
    assert str(raised.value) == raised.value.message == expected
    assert raised.value.code == code
    assert raised.value.reply == reply


@pytest.mark.parametrize(
    ("what", "reply", "call"),
    [
        ("quotes", ok([1, 2]), lambda s: s.get_quotes("SBIN", "NSE")),
        ("positionbook", ok({"not": "a list"}), lambda s: s.get_positions()),
        ("search", {"status": "success"}, lambda s: s.search_symbols("SB")),
        ("funds", "garbage", lambda s: s.get_funds()),
        ("history", ok([]), lambda s: s.get_history("SBIN", "NSE", "D", "2025-06-01", "2025-06-30")),
    ],
)
def test_a_reply_without_the_expected_data_is_a_strategy_data_error(what: str, reply: Any, call: Any) -> None:
    with pytest.raises(StrategyDataError, match=what):
        call(strategy(FakeClient(**{what: reply})))


# history_window -----------------------------------------------------------------------------------
def test_history_window_counts_calendar_days_back_from_as_of() -> None:
    assert history_window(30, "2025-06-30") == ("2025-05-31", "2025-06-30")
    assert history_window(0, date(2025, 1, 1)) == ("2025-01-01", "2025-01-01")
    assert history_window(1, datetime(2025, 3, 1, 15, 30, tzinfo=IST)) == ("2025-02-28", "2025-03-01")


def test_history_window_ends_today_in_india_without_as_of() -> None:
    before = datetime.now(IST).date()
    start, end = history_window(10, "")
    after = datetime.now(IST).date()
    assert date.fromisoformat(end) in (before, after)
    assert date.fromisoformat(end) - date.fromisoformat(start) == timedelta(days=10)
    assert history_window(10) == history_window(10, None) or before != after


def test_history_window_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="as_of must be a date as YYYY-MM-DD, got 'yesterday'"):
        history_window(5, "yesterday")
    with pytest.raises(ValueError, match="lookback_days must not be negative"):
        history_window(-1, "2025-01-01")


# Signal -----------------------------------------------------------------------------------------
def test_signal_defaults_are_a_market_buy_of_the_mapping() -> None:
    signal = Signal("SBIN")
    assert signal == Signal(symbol="SBIN", action="BUY", pricetype="MARKET", price=0.0, trigger_price=0.0)
    assert signal.as_dict() == {"symbol": "SBIN", "action": "BUY"}


def test_as_dict_holds_only_the_fields_that_are_set() -> None:
    limit = Signal("INFY", "sell", "nse", 10, "cnc", "limit", 1500.5)
    assert limit.as_dict() == {
        "symbol": "INFY",
        "action": "SELL",
        "exchange": "NSE",
        "quantity": 10,
        "product": "CNC",
        "pricetype": "LIMIT",
        "price": 1500.5,
    }
    stop = Signal("INFY", "SELL", pricetype="SL-M", trigger_price=1490)
    assert stop.as_dict() == {
        "symbol": "INFY",
        "action": "SELL",
        "pricetype": "SL-M",
        "trigger_price": 1490.0,
    }
    smart = Signal("TCS", "SELL", quantity=0, position_size=0)
    assert smart.as_dict() == {"symbol": "TCS", "action": "SELL", "quantity": 0, "position_size": 0}
    for signal in (limit, stop, smart, Signal("SBIN"), Signal("TCS", position_size=-5)):
        assert Signal(**signal.as_dict()) == signal


def test_signal_is_frozen() -> None:
    signal = Signal("SBIN")
    with pytest.raises(AttributeError):
        signal.symbol = "TCS"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"symbol": " "}, "symbol must be a non-empty string"),
        ({"symbol": "SBIN", "action": "HOLD"}, "action must be BUY or SELL, got 'HOLD'"),
        ({"symbol": "SBIN", "action": 1}, "action must be a string"),
        ({"symbol": "SBIN", "pricetype": "STOP"}, "pricetype must be one of MARKET, LIMIT, SL, SL-M"),
        ({"symbol": "SBIN", "quantity": 0}, "quantity must be a positive whole number, got 0"),
        ({"symbol": "SBIN", "quantity": 2.5}, "quantity must be a positive whole number, got 2.5"),
        ({"symbol": "SBIN", "quantity": True}, "quantity must be a positive whole number, got True"),
        ({"symbol": "SBIN", "quantity": -1, "position_size": 0}, "quantity must be a whole number >= 0"),
        ({"symbol": "SBIN", "position_size": "10"}, "position_size must be a whole number, got '10'"),
        ({"symbol": "SBIN", "price": -1}, "price must not be negative"),
        ({"symbol": "SBIN", "price": math.inf}, "price must be a number"),
        ({"symbol": "SBIN", "trigger_price": "5"}, "trigger_price must be a number"),
        ({"symbol": "SBIN", "pricetype": "LIMIT"}, "a LIMIT order needs a price > 0"),
        ({"symbol": "SBIN", "pricetype": "SL", "price": 10}, "an SL order needs a trigger_price > 0"),
        ({"symbol": "SBIN", "pricetype": "SL-M"}, "an SL-M order needs a trigger_price > 0"),
    ],
)
def test_a_signal_that_could_never_be_an_order_is_refused_when_made(
    kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(f"Signal: {message}")):
        Signal(**kwargs)


# coerce_parameters ------------------------------------------------------------------------------
DECLARED = {"symbol": "RELIANCE", "fast": 9, "threshold": 1.5, "short": False}


def test_no_values_give_the_defaults() -> None:
    assert coerce_parameters(DECLARED, {}) == DECLARED
    assert coerce_parameters(DECLARED, None) == DECLARED
    assert coerce_parameters({}, {}) == {}


@pytest.mark.parametrize(
    ("name", "given", "expected"),
    [
        ("fast", 12, 12),
        ("fast", 12.0, 12),
        ("fast", "12", 12),
        ("fast", " -3 ", -3),
        ("fast", "12.0", 12),
        ("fast", 10**30, 10**30),
        ("threshold", 2, 2.0),
        ("threshold", 2.25, 2.25),
        ("threshold", "2.25", 2.25),
        ("threshold", " 1e-3 ", 0.001),
        ("short", True, True),
        ("short", False, False),
        ("short", "true", True),
        ("short", " FALSE ", False),
        ("short", "True", True),
        ("symbol", "TCS", "TCS"),
        ("symbol", "", ""),
    ],
)
def test_each_type_accepts_its_forms(name: str, given: Any, expected: Any) -> None:
    merged = coerce_parameters(DECLARED, {name: given})
    assert merged == {**DECLARED, name: expected}
    assert type(merged[name]) is type(expected)


@pytest.mark.parametrize(
    ("name", "given", "reason"),
    [
        ("fast", 12.5, "must be a whole number, got 12.5"),
        ("fast", "12.5", "must be a whole number, got '12.5'"),
        ("fast", "twelve", "must be a whole number, got 'twelve'"),
        ("fast", "", "must be a whole number, got ''"),
        ("fast", True, "must be a whole number, got True"),
        ("fast", None, "must be a whole number, got None"),
        ("fast", math.nan, "must be a whole number, got nan"),
        ("fast", [1], "must be a whole number, got [1]"),
        ("threshold", "abc", "must be a number, got 'abc'"),
        ("threshold", "inf", "must be a number, got 'inf'"),
        ("threshold", math.nan, "must be a number, got nan"),
        ("threshold", 10**400, "must be a number, got 1000000000000000000000000000000000000..."),
        ("threshold", False, "must be a number, got False"),
        ("short", 1, "must be true or false, got 1"),
        ("short", "yes", "must be true or false, got 'yes'"),
        ("short", None, "must be true or false, got None"),
        ("symbol", 5, "must be text, got 5"),
        ("symbol", None, "must be text, got None"),
    ],
)
def test_each_type_refuses_other_values_naming_the_parameter(name: str, given: Any, reason: str) -> None:
    with pytest.raises(ParameterError) as raised:
        coerce_parameters(DECLARED, {name: given})
    assert isinstance(raised.value, ValueError)
    assert raised.value.errors == {name: reason}
    assert str(raised.value) == f"{name}: {reason}"


def test_unknown_names_are_refused_and_every_problem_is_reported() -> None:
    with pytest.raises(ParameterError) as raised:
        coerce_parameters(DECLARED, {"slow": 21, "fast": "x", "short": "true"})
    assert raised.value.errors == {
        "slow": "unknown parameter (this strategy takes: symbol, fast, threshold, short)",
        "fast": "must be a whole number, got 'x'",
    }
    assert str(raised.value).startswith("slow: unknown parameter")
    with pytest.raises(ParameterError, match=r"^x: unknown parameter \(this strategy takes: none\)$"):
        coerce_parameters({}, {"x": 1})


def test_the_given_values_must_be_a_mapping_and_the_declaration_valid() -> None:
    with pytest.raises(ParameterError, match="parameters: must be an object of name -> value, not list"):
        coerce_parameters(DECLARED, [("fast", 1)])  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="when: declared wrongly: a default must be an int"):
        coerce_parameters({"when": date(2025, 1, 1)}, {})
    assert declaration_problems([1]) == {"parameters": "must be a dict of name -> default, not list"}
    assert declaration_problems(DECLARED) == {}


def test_the_input_is_not_changed() -> None:
    given = {"fast": "12"}
    declared = dict(DECLARED)
    coerce_parameters(declared, given)
    assert given == {"fast": "12"} and declared == DECLARED


def test_types_read_as_words_for_the_form() -> None:
    assert [describe_type(v) for v in ("x", 1, 1.0, True)] == [
        "text",
        "a whole number",
        "a number",
        "true or false",
    ]
