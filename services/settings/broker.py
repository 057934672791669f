"""The broker (sandbox or upstream), the master contract, the simulated market and the order limit."""

from __future__ import annotations

from dataclasses import dataclass

from services.settings.fields import setting as _setting
from services.settings.parsers import choice as _choice
from services.settings.parsers import float_range as _float_range
from services.settings.parsers import int_range as _int_range
from services.settings.parsers import optional_text as _optional_text
from services.settings.parsers import rate_limit as _rate_limit
from services.settings.parsers import url as _url


@dataclass(frozen=True)
class BrokerSettings:
    broker: str = _setting(
        "BROKER",
        _choice("sandbox", "upstream"),
        "sandbox",
        "sandbox (paper trading on simulated data) or upstream (forward to a real OpenAlgo server)",
    )
    upstream_host: str | None = _setting(
        "UPSTREAM_HOST",
        _url,
        None,
        "OpenAlgo server that BROKER=upstream forwards to (with BROKER=sandbox: strategies' live venue)",
    )
    upstream_api_key: str | None = _setting(
        "UPSTREAM_API_KEY", _optional_text, None, "API key on that OpenAlgo server (never logged)"
    )
    upstream_timeout_s: float = _setting(
        "UPSTREAM_TIMEOUT_S", _float_range(0.5, 300.0), 15.0, "Seconds to wait for the upstream server"
    )
    master_contract_delay_s: float = _setting(
        "MASTER_CONTRACT_DELAY_S",
        _float_range(0.0, 3600.0),
        0.0,
        "Artificial delay of the master-contract download, in seconds (for tests)",
    )
    sandbox_capital: float = _setting(
        "SANDBOX_CAPITAL", _float_range(1000.0, 1e12), 10_000_000.0, "Starting funds of a paper account (₹)"
    )
    sandbox_match_interval_s: float = _setting(
        "SANDBOX_MATCH_INTERVAL_S",
        _float_range(0.05, 60.0),
        0.5,
        "Seconds between passes of the matcher over resting paper orders",
    )
    order_rate_limit: str = _setting(
        "ORDER_RATE_LIMIT", _rate_limit, "10 per second", "Orders allowed per API key (429 beyond)"
    )
    order_dispatch_contract_wait_s: float = _setting(
        "ORDER_DISPATCH_CONTRACT_WAIT_S",
        _float_range(0.0, 600.0),
        10.0,
        "Seconds a strategy's sandbox order waits for the master contract before it is failed",
    )
    order_dispatch_stop_timeout_s: float = _setting(
        "ORDER_DISPATCH_STOP_TIMEOUT_S",
        _float_range(0.5, 600.0),
        10.0,
        "Seconds a shutdown waits for the order dispatcher to finish the orders in flight",
    )
    order_dispatch_lane_idle_s: float = _setting(
        "ORDER_DISPATCH_LANE_IDLE_S",
        _float_range(1.0, 86_400.0),
        300.0,
        "Seconds an API key's order-dispatch thread lives without orders",
    )
    history_max_candles: int = _setting(
        "HISTORY_MAX_CANDLES",
        _int_range(1000, 10_000_000),
        600_000,
        "Most candles one history request may return (a year of 1m candles is about 95,000)",
    )
