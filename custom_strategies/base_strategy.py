"""The contract between a trader's strategy and the host: ``BaseStrategy``, ``Signal``, errors.

A custom strategy is a ``BaseStrategy`` subclass whose ``execute()`` returns a list of signals:
a plain symbol (BUY it at MARKET with the strategy's mapping), a dict, or a ``Signal``. The
host turns those signals into orders; a strategy never places an order itself.

The helpers read market data and the account through the host's own ``/api/v1`` with the
``openalgo`` SDK, pointed at ``OPENALGO_HOST``. Nothing here runs at import time: the SDK client
is built on the first helper call.
"""

from __future__ import annotations

import abc
import functools
import inspect
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, TypeAlias
from zoneinfo import ZoneInfo

import pandas as pd

from custom_strategies.parameters import ParameterError, coerce_parameters, declaration_problems

__all__ = [
    "DEFAULT_HOST",
    "BaseStrategy",
    "ParameterError",
    "Signal",
    "SignalLike",
    "StrategyDataError",
    "coerce_parameters",
    "history_window",
]

DEFAULT_HOST = "http://127.0.0.1:5000"
IST = ZoneInfo("Asia/Kolkata")
ACTIONS = ("BUY", "SELL")
PRICE_TYPES = ("MARKET", "LIMIT", "SL", "SL-M")
#: The columns of ``get_history``'s DataFrame (its index is the candle's timestamp).
HISTORY_COLUMNS = ("open", "high", "low", "close", "volume", "oi")


class StrategyDataError(Exception):
    """A helper's API call answered an error; the message is the API's own.

    ``code`` is the HTTP status when there was one (403 for a refused key), ``reply`` what the SDK
    returned.
    """

    def __init__(self, message: str, reply: dict[str, Any] | None = None, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reply = reply
        self.code = code


@dataclass(frozen=True)
class Signal:
    """One order a strategy asks for. Unset fields (None) come from the strategy's symbol mapping.

    ``position_size`` makes it a smart order: trade whatever brings the position to that target
    (+10 long ten, 0 flat, -10 short ten), nothing when it is there already. As in OpenAlgo's
    ``placesmartorder``, an exit to flat says ``quantity=0``: with no position and a target of 0,
    a non-zero quantity would be a fresh trade in ``action``'s direction.
    """

    symbol: str
    action: str = "BUY"
    exchange: str | None = None
    quantity: int | None = None
    product: str | None = None
    pricetype: str = "MARKET"
    price: float = 0.0
    trigger_price: float = 0.0
    position_size: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.symbol, str) or not self.symbol.strip():
            raise ValueError("Signal: symbol must be a non-empty string")
        for field in ("action", "pricetype", "exchange", "product"):
            value = getattr(self, field)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"Signal: {field} must be a string, got {value!r}")
            if isinstance(value, str):
                object.__setattr__(self, field, value.strip().upper())
        object.__setattr__(self, "symbol", self.symbol.strip())
        if self.action not in ACTIONS:
            raise ValueError(f"Signal: action must be BUY or SELL, got {self.action!r}")
        if self.pricetype not in PRICE_TYPES:
            raise ValueError(
                f"Signal: pricetype must be one of {', '.join(PRICE_TYPES)}, got {self.pricetype!r}"
            )
        self._check_numbers()

    def _check_numbers(self) -> None:
        if self.position_size is not None and not _is_int(self.position_size):
            raise ValueError(f"Signal: position_size must be a whole number, got {self.position_size!r}")
        # A smart order may say quantity 0: an exit (position_size 0) that trades nothing when flat.
        least = 0 if self.position_size is not None else 1
        if self.quantity is not None and (not _is_int(self.quantity) or self.quantity < least):
            kind = "a whole number >= 0" if least == 0 else "a positive whole number"
            raise ValueError(f"Signal: quantity must be {kind}, got {self.quantity!r}")
        for field in ("price", "trigger_price"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValueError(f"Signal: {field} must be a number, got {value!r}")
            if value < 0:
                raise ValueError(f"Signal: {field} must not be negative, got {value!r}")
            object.__setattr__(self, field, float(value))
        if self.pricetype in ("LIMIT", "SL") and self.price <= 0:
            raise ValueError(f"Signal: a {self.pricetype} order needs a price > 0")
        if self.pricetype in ("SL", "SL-M") and self.trigger_price <= 0:
            raise ValueError(f"Signal: an {self.pricetype} order needs a trigger_price > 0")

    def as_dict(self) -> dict[str, Any]:
        """``symbol``, ``action`` and every other field that differs from its default.

        ``Signal(**signal.as_dict()) == signal`` always holds.
        """
        shown: dict[str, Any] = {"symbol": self.symbol, "action": self.action}
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name not in shown and value != field.default:
                shown[field.name] = value
        return shown


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


#: What ``execute()`` may return in its list.
SignalLike: TypeAlias = str | dict[str, Any] | Signal


def history_window(lookback_days: int, as_of: str | date | None = None) -> tuple[str, str]:
    """``(start_date, end_date)`` for ``get_history``: the ``lookback_days`` calendar days ending
    on ``as_of`` (a date or "YYYY-MM-DD"; empty or None: today in India)."""
    if lookback_days < 0:
        raise ValueError(f"lookback_days must not be negative, got {lookback_days}")
    if isinstance(as_of, str) and as_of.strip():
        try:
            end = date.fromisoformat(as_of.strip())
        except ValueError:
            raise ValueError(f"as_of must be a date as YYYY-MM-DD, got {as_of!r}") from None
    elif isinstance(as_of, datetime):
        end = as_of.date()
    elif isinstance(as_of, date):
        end = as_of
    else:
        end = datetime.now(IST).date()
    return (end - timedelta(days=lookback_days)).isoformat(), end.isoformat()


def _print_line(message: str) -> None:
    print(message, flush=True)


def _first_line(text: str | None) -> str:
    for line in (text or "").strip().splitlines():
        if line.strip():
            return line.strip()
    return ""


#: What the host hands every strategy besides its API key and configuration (keyword-only).
CONTEXT = ("host", "payload", "log")
_CONTEXT_ATTRIBUTE = "_strategy_context"


def _taking_context(init: Callable[..., None]) -> Callable[..., None] | None:
    """A wrapper for a subclass's own ``__init__`` that does not take ``host``/``payload``/``log``
    (the seed's ``def __init__(self, api_key, strategy_config)``), or None when it takes them.

    The wrapper keeps those keywords on the instance for ``BaseStrategy.__init__`` to pick up
    when the subclass calls ``super().__init__(api_key, strategy_config)``.
    """
    try:
        accepted = inspect.signature(init).parameters
    except (TypeError, ValueError):  # not a plain function: leave it as it is
        return None
    if any(parameter.kind is inspect.Parameter.VAR_KEYWORD for parameter in accepted.values()):
        return None
    missing = [key for key in CONTEXT if key not in accepted]
    if not missing:
        return None

    @functools.wraps(init)
    def init_with_context(self: BaseStrategy, *args: Any, **kwargs: Any) -> None:
        context = {key: kwargs.pop(key) for key in missing if key in kwargs}
        if context:
            self.__dict__.setdefault(_CONTEXT_ATTRIBUTE, {}).update(context)
        init(self, *args, **kwargs)

    return init_with_context


def _api_message(reply: dict[str, Any], what: str) -> tuple[str, int | None]:
    """The API's own message and HTTP status from an SDK error reply.

    The SDK reports a non-200 answer as ``"HTTP 403: <body>"``: the body's ``message`` is the
    API's message.
    """
    message = str(reply.get("message") or f"{what} failed")
    code = reply.get("code") if isinstance(reply.get("code"), int) else None
    head, _, body = message.partition(": ")
    if head.startswith("HTTP ") and body:
        try:
            inner = json.loads(body)
        except ValueError:
            inner = None
        if isinstance(inner, dict) and inner.get("message"):
            message = str(inner["message"])
    return message, code


class BaseStrategy(abc.ABC):
    """A custom strategy: subclass it, declare ``parameters``, implement ``execute()``."""

    #: Shown in the UI (default: the class name).
    name: ClassVar[str] = ""
    #: One or two sentences (default: the first line of the class docstring).
    description: ClassVar[str] = ""
    #: name -> default (int, float, bool or str); the UI builds its form from it.
    parameters: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = vars(cls)
        for attribute in ("name", "description"):
            if not isinstance(getattr(cls, attribute), str):
                raise TypeError(f"{cls.__name__}.{attribute} must be a string")
        if not own.get("name"):
            cls.name = cls.__name__
        if not own.get("description") and _first_line(own.get("__doc__")):
            cls.description = _first_line(own.get("__doc__"))
        problems = declaration_problems(cls.parameters)
        if problems:
            reasons = "; ".join(f"{name}: {why}" for name, why in problems.items())
            raise TypeError(f"{cls.__name__}.parameters is not valid: {reasons}")
        if "__init__" in own:
            wrapped = _taking_context(own["__init__"])
            if wrapped is not None:
                setattr(cls, "__init__", wrapped)  # noqa: B010 - mypy refuses assigning to a method

    def __init__(
        self,
        api_key: str,
        strategy_config: dict[str, Any] | None = None,
        *,
        host: str | None = None,
        payload: dict[str, Any] | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        # Kept by a subclass's __init__ that does not take them itself (see _taking_context).
        context: dict[str, Any] = self.__dict__.pop(_CONTEXT_ATTRIBUTE, {})
        host = host if host is not None else context.get("host")
        payload = payload if payload is not None else context.get("payload")
        log = log if log is not None else context.get("log")
        self.api_key = api_key
        self.config: dict[str, Any] = {**self.parameters, **(strategy_config or {})}
        self.payload: dict[str, Any] = dict(payload or {})
        self.host: str = (host or os.environ.get("OPENALGO_HOST") or DEFAULT_HOST).rstrip("/")
        self._log_line: Callable[[str], None] = log or _print_line
        self._client: Any = None

    # The SDK client ------------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        """The ``openalgo.api`` client for ``self.host`` (built on first use; assignable in tests)."""
        if self._client is None:
            import openalgo  # noqa: PLC0415 - loaded on first use: listing and validating never need it

            self._client = openalgo.api(api_key=self.api_key, host=self.host)
        return self._client

    @client.setter
    def client(self, value: Any) -> None:
        self._client = value

    # Log and configuration -----------------------------------------------------------------------
    def log(self, message: str) -> None:
        """Write one line to the execution's log."""
        self._log_line(str(message))

    def get_config_value(self, key: str, default: Any = None) -> Any:
        """The configured value of ``key`` (its declared default unless the strategy set it)."""
        return self.config.get(key, default)

    # Data helpers --------------------------------------------------------------------------------
    def _data(self, reply: Any, what: str) -> Any:
        if not isinstance(reply, dict):
            raise StrategyDataError(f"{what}: unexpected reply from the API ({type(reply).__name__})")
        if reply.get("status") != "success":
            message, code = _api_message(reply, what)
            raise StrategyDataError(message, reply, code)
        return reply.get("data")

    def _typed(self, reply: Any, what: str, kind: type) -> Any:
        data = self._data(reply, what)
        if not isinstance(data, kind):
            raise StrategyDataError(f"{what}: the API's reply holds no {kind.__name__} of data", reply)
        return data

    def get_quotes(self, symbol: str, exchange: str) -> dict[str, Any]:
        """The quote of ``symbol`` (``ltp``, ``open``, ``high``, ``low``, ``bid``, ``ask``, ``volume``...)."""
        return dict(self._typed(self.client.quotes(symbol=symbol, exchange=exchange), "quotes", dict))

    def get_history(
        self, symbol: str, exchange: str, interval: str, start_date: str | date, end_date: str | date
    ) -> pd.DataFrame:
        """Candles from ``start_date`` to ``end_date`` (inclusive): a DataFrame indexed by timestamp
        with the columns open, high, low, close, volume, oi. ``interval`` is "D" or "1m", "5m", ...
        A range without candles (a weekend) gives an empty DataFrame."""
        reply = self.client.history(
            symbol=symbol,
            exchange=exchange,
            interval=interval,
            start_date=str(start_date),
            end_date=str(end_date),
        )
        if isinstance(reply, pd.DataFrame):
            return reply
        if isinstance(reply, dict) and reply.get("error_type") == "no_data":
            return pd.DataFrame(columns=list(HISTORY_COLUMNS), index=pd.DatetimeIndex([], name="timestamp"))
        self._data(reply, "history")
        raise StrategyDataError("history: the API's reply holds no candles", reply)

    def get_depth(self, symbol: str, exchange: str) -> dict[str, Any]:
        """The market depth of ``symbol``: ``bids`` and ``asks`` (price, quantity) and the quote."""
        return dict(self._typed(self.client.depth(symbol=symbol, exchange=exchange), "depth", dict))

    def get_funds(self) -> dict[str, Any]:
        """The account's funds: ``availablecash``, ``collateral``, ``m2mrealized``, ..."""
        return dict(self._typed(self.client.funds(), "funds", dict))

    def get_positions(self) -> list[dict[str, Any]]:
        """The position book: one dict per position (``symbol``, ``exchange``, ``quantity``, ...)."""
        return list(self._typed(self.client.positionbook(), "positionbook", list))

    def get_orderbook(self) -> dict[str, Any]:
        """The order book: ``orders`` (one dict per order) and ``statistics``."""
        return dict(self._typed(self.client.orderbook(), "orderbook", dict))

    def search_symbols(self, query: str, exchange: str | None = None) -> list[dict[str, Any]]:
        """Instruments of the master contract matching ``query`` (optionally on one exchange)."""
        return list(self._typed(self.client.search(query=query, exchange=exchange), "search", list))

    # The strategy --------------------------------------------------------------------------------
    @abc.abstractmethod
    def execute(self) -> list[SignalLike]:
        """Decide what to trade now: return a list of signals (an empty list trades nothing)."""
