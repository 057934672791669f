"""What a trader sends to create or change a strategy, checked field by field.

``parse_definition`` takes the JSON body of ``POST /strategy/api/strategies[/<id>]`` (an update
names only what changes) and returns a complete ``StrategyDefinition`` or raises one InvalidInput
naming every bad field. Unknown fields are refused, so a typo never passes as a default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import time
from typing import Any

from services.calendar.exchanges import STRATEGY_EXCHANGES, session_for
from services.calendar.timefmt import format_hhmm, parse_hhmm
from services.errors import InvalidInput
from services.webhooks.custom_spec import CustomSpec, parse_custom
from services.webhooks.modes import MODES
from services.webhooks.windows import TradingWindow

NAME_MAX = 100
STRATEGY_TYPES = ("webhook", "custom")
VENUES = ("sandbox", "live")
#: The fields of the contract that belong to custom strategies (run by the execution room).
CUSTOM_FIELDS = frozenset(
    {"strategy_file", "strategy_class", "strategy_config", "execution_mode", "schedule_config", "limits"}
)
FIELDS = (
    frozenset(
        {
            "name",
            "strategy_type",
            "exchange",
            "trading_mode",
            "is_intraday",
            "start_time",
            "end_time",
            "squareoff_time",
            "trading_venue",
        }
    )
    | CUSTOM_FIELDS
)


@dataclass(frozen=True)
class StrategyDefinition:
    name: str
    exchange: str = "NSE"
    strategy_type: str = "webhook"
    trading_mode: str = "LONG"
    is_intraday: bool = True
    #: kept even for a positional strategy, so switching intraday on again restores them
    window: TradingWindow = TradingWindow(time(9, 15), time(15, 0), time(15, 15))
    trading_venue: str = "sandbox"
    #: a custom strategy's file, class, parameters, mode, schedule and limits (None: webhook)
    custom: CustomSpec | None = None

    @property
    def intraday_window(self) -> TradingWindow | None:
        return self.window if self.is_intraday else None


def default_window(exchange: str) -> TradingWindow:
    """Open to half an hour before the close, square-off a quarter of an hour before it (OpenAlgo's
    09:15 / 15:00 / 15:15 on NSE)."""
    session = session_for(exchange)
    if session.always_open:
        return TradingWindow(time(0, 0), time(23, 30), time(23, 45))
    close = session.close.hour * 60 + session.close.minute
    return TradingWindow(session.open, _minute(close - 30), _minute(close - 15))


def parse_definition(
    payload: Mapping[str, Any], *, current: StrategyDefinition | None, venues: tuple[str, ...]
) -> StrategyDefinition:
    problems: dict[str, str] = {}
    unknown = sorted(set(payload) - FIELDS)
    for name in unknown:
        problems[name] = "is not a field of a strategy"
    base = current or StrategyDefinition(name="")
    values: dict[str, Any] = {}
    _read(payload, problems, values, current is None)
    times: dict[str, time] = values.pop("_times", {})
    if current is None and "exchange" in values:
        # A new strategy on another exchange starts from that exchange's session.
        base = replace(base, window=default_window(values["exchange"]))
    window = TradingWindow(
        times.get("start_time", base.window.start),
        times.get("end_time", base.window.end),
        times.get("squareoff_time", base.window.squareoff),
    )
    definition = replace(base, window=window, **values)
    if definition.strategy_type == "custom":
        definition = replace(definition, custom=parse_custom(payload, base.custom, problems))
    else:
        for name in sorted(CUSTOM_FIELDS & set(payload)):
            problems[name] = "applies to custom strategies only (strategy_type custom)"
        definition = replace(definition, custom=None)
    if current is not None and definition.strategy_type != current.strategy_type:
        problems["strategy_type"] = "cannot change: create a new strategy of the other type"
    if not problems:
        problems.update(_check_window(definition))
        problems.update(_check_venue(definition.trading_venue, venues))
    if problems:
        name, reason = next(iter(problems.items()))
        raise InvalidInput(f"Invalid strategy: {name} {reason}.", fields=problems)
    return definition


def _read(
    payload: Mapping[str, Any], problems: dict[str, str], values: dict[str, Any], creating: bool
) -> None:
    if "name" in payload or creating:
        name = payload.get("name")
        if not isinstance(name, str) or not name.strip():
            problems["name"] = "is required"
        elif len(name.strip()) > NAME_MAX or any(ord(c) < 32 for c in name):
            problems["name"] = f"must be 1-{NAME_MAX} printable characters"
        else:
            values["name"] = name.strip()
    for field, options in (
        ("strategy_type", STRATEGY_TYPES),
        ("exchange", STRATEGY_EXCHANGES),
        ("trading_mode", MODES),
        ("trading_venue", VENUES),
    ):
        if field in payload:
            raw = payload[field]
            text = raw.strip() if isinstance(raw, str) else None
            if field in {"exchange", "trading_mode"} and text is not None:
                text = text.upper()
            if text not in options:
                problems[field] = f"must be one of {', '.join(options)}"
            else:
                values[field] = text
    if "is_intraday" in payload:
        if not isinstance(payload["is_intraday"], bool):
            problems["is_intraday"] = "must be true or false"
        else:
            values["is_intraday"] = payload["is_intraday"]
    _read_times(payload, problems, values)


def _read_times(payload: Mapping[str, Any], problems: dict[str, str], values: dict[str, Any]) -> None:
    times: dict[str, time] = {}
    for field in ("start_time", "end_time", "squareoff_time"):
        if field in payload and payload[field] is not None:
            try:
                times[field] = parse_hhmm(payload[field])
            except ValueError as error:
                problems[field] = str(error)
    if times:
        values["_times"] = times


def _check_window(definition: StrategyDefinition) -> dict[str, str]:
    window = definition.window
    if window.start >= window.end:
        return {"end_time": f"must be after the start time {format_hhmm(window.start)}"}
    if window.end > window.squareoff:
        return {"squareoff_time": f"must not be before the end time {format_hhmm(window.end)}"}
    session = session_for(definition.exchange)
    if session.always_open or not definition.is_intraday:
        return {}
    if window.start < session.open:
        return {
            "start_time": f"must be inside the {definition.exchange} session "
            f"(opens {format_hhmm(session.open)})"
        }
    if window.squareoff > session.close:
        return {
            "squareoff_time": f"must be inside the {definition.exchange} session "
            f"(closes {format_hhmm(session.close)})"
        }
    return {}


def _check_venue(venue: str, venues: tuple[str, ...]) -> dict[str, str]:
    if venue in venues:
        return {}
    if venue == "live":
        return {
            "trading_venue": "live needs an upstream OpenAlgo server: set UPSTREAM_HOST and "
            "UPSTREAM_API_KEY and restart the host"
        }
    return {"trading_venue": "sandbox is not available: this host trades live only (BROKER=upstream)"}


def _minute(total: int) -> time:
    return time(total // 60, total % 60)
